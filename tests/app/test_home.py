from conftest import open_page

from ui.page import LABS


def test_home_renders_and_links_every_lab():
    at = open_page()
    assert "dl-lab" in at.title[0].value
    links = [link.label for link in at.main.get("page_link")]
    assert links == [lab.title for lab in LABS]
    assert any("Training on" in c.value for c in at.caption)
