def test_created_user_can_sign_in_and_see_home(client, create_user, login):
    user = create_user(first_name="Astrid")
    login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert "Hello, Astrid" in response.get_data(as_text=True)
