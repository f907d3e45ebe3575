"""People's Markdown is rendered and cleaned: no script, handlers or javascript: links survive."""

from lms.core.markdown import render_markdown


def test_markdown_renders_emphasis_lists_and_tables():
    html = render_markdown("**bold** and *it*\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert "<li>one</li>" in html and "<td>2</td>" in html


def test_raw_html_is_escaped_not_executed():
    html = render_markdown('<script>alert(1)</script><img src=x onerror="alert(2)">')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html  # shown as text


def test_javascript_links_are_dropped_and_links_get_rel():
    html = render_markdown("[click](javascript:alert(1)) and [site](https://example.org)")
    assert "href=\"javascript" not in html.lower()
    assert 'href="https://example.org"' in html and "noopener" in html


def test_empty_text_renders_nothing():
    assert render_markdown(None) == "" and render_markdown("") == ""
