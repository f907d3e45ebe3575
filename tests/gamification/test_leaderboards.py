"""Leaderboards from the bucket table: ranks, periods, per-capita teams and departments, opt-out."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import event

from gamification import service
from gamification.engine import add_to_totals, periods_of

TODAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 18, 12, tzinfo=timezone.utc)


def give(user, points, at=NOW):
    add_to_totals({(p, user.id): points for p in periods_of(at)})


def test_people_board_ranks_by_points_with_ties_and_periods(db, create_user):
    a, b, c = create_user(first_name="Ann"), create_user(first_name="Bo"), create_user(first_name="Cy")
    give(a, 30)
    give(b, 50)
    give(c, 30)
    give(c, 100, at=datetime(2026, 9, 1, tzinfo=timezone.utc))  # another month
    week = service.people_board(a, "week", TODAY)
    assert [(r.rank, r.user_id, r.points) for r in week.rows] == [(1, b.id, 50), (2, a.id, 30), (2, c.id, 30)]
    assert (week.my_rank, week.my_points) == (2, 30)
    all_time = service.people_board(a, "all", TODAY)
    assert [r.user_id for r in all_time.rows] == [c.id, b.id, a.id] and all_time.my_rank == 3


def test_opted_out_people_are_hidden_from_others_but_see_their_own_rank(db, create_user):
    shy, other = create_user(first_name="Shy"), create_user()
    give(shy, 90)
    give(other, 10)
    service.save_profile(shy, is_hidden_from_boards=True)
    seen_by_other = service.people_board(other, "week", TODAY)
    assert [r.user_id for r in seen_by_other.rows] == [other.id]
    assert seen_by_other.my_rank == 1  # the hidden person does not count above them either
    seen_by_shy = service.people_board(shy, "week", TODAY)
    assert shy.id not in [r.user_id for r in seen_by_shy.rows]
    assert (seen_by_shy.my_rank, seen_by_shy.my_points) == (1, 90)


def test_opted_out_person_is_not_on_the_page_others_see(db, client, create_user, login):
    shy, other = create_user(first_name="Zelda", last_name="Hidden"), create_user()
    give(shy, 90)
    service.save_profile(shy, is_hidden_from_boards=True)
    login(other)
    page = client.get("/gamification/leaderboards?period=all").get_data(as_text=True)
    assert "Zelda" not in page


def test_team_and_department_boards_rank_per_capita_and_skip_tiny_groups(db, create_user, create_department):
    big_dept, small_dept = create_department("Sales"), create_department("R&D")
    boss_a, boss_b = create_user(department=big_dept), create_user(department=small_dept)
    team_a = [create_user(department=big_dept, manager=boss_a) for _ in range(6)]
    team_b = [create_user(department=small_dept, manager=boss_b) for _ in range(3)]
    for u in team_a[:2]:
        give(u, 60)  # 120 over 6 people: 20 each
    give(team_b[0], 90)  # 90 over 3: 30 each
    loner_boss = create_user()
    create_user(manager=loner_boss)  # a team of one is not shown
    teams = service.team_board(team_a[0], "week", TODAY)
    assert [(r.name, r.size, r.points) for r in teams.rows] == [
        (f"Team of {boss_b.full_name}", 3, 30.0), (f"Team of {boss_a.full_name}", 6, 20.0)]
    assert teams.my_rank == 2 and teams.my_group == f"Team of {boss_a.full_name}"
    depts = service.department_board(team_b[1], "week", TODAY)
    # R&D: 90 over 4 people (boss included) = 22.5; Sales: 120 over 7 = 17.1
    assert [(r.name, r.points) for r in depts.rows[:2]] == [("R&D", 22.5), ("Sales", 17.1)]
    assert depts.my_rank == 1


def test_group_board_shares_ranks_on_ties_and_ranks_my_team_beyond_the_shown_rows(db, create_user):
    bosses = [create_user() for _ in range(4)]
    teams = [[create_user(manager=boss) for _ in range(3)] for boss in bosses]
    give(teams[0][0], 90)  # 30 each
    give(teams[1][0], 90)  # 30 each: a tie for first
    give(teams[2][0], 30)  # 10 each
    # teams[3] has no points at all: 0 each, last
    board = service.team_board(teams[3][1], "week", TODAY, limit=2)
    assert [(r.rank, r.points, r.is_me) for r in board.rows] == [(1, 30.0, False), (1, 30.0, False)]
    assert [r.name for r in board.rows] == [f"Team of {bosses[0].full_name}", f"Team of {bosses[1].full_name}"]
    assert (board.my_rank, board.my_points, board.my_group) == (4, 0.0, f"Team of {bosses[3].full_name}")
    third = service.team_board(teams[2][0], "week", TODAY)
    assert [r.rank for r in third.rows] == [1, 1, 3, 4] and third.my_rank == 3
    assert [r.is_me for r in third.rows] == [False, False, True, False]


def test_boards_read_the_buckets_not_the_ledger(db, create_user):
    user = create_user()
    give(user, 10)
    statements = []

    def spy(conn, cursor, sql, *args):
        statements.append(sql)

    engine = db.session.get_bind().engine if hasattr(db.session.get_bind(), "engine") else db.engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        for kind in service.BOARDS:
            service.board(user, kind, "month", TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert statements and not any("points_entries" in s for s in statements)


def test_deactivated_people_leave_the_board_and_do_not_count_ahead(db, create_user):
    gone, me = create_user(), create_user()
    give(gone, 100)
    give(me, 10)
    gone.is_active = False
    db.session.flush()
    board = service.people_board(me, "week", TODAY)
    assert [r.user_id for r in board.rows] == [me.id] and board.my_rank == 1
