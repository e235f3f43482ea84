from conftest import open_page

from ui.registry import LABS


def test_the_home_page_links_every_lab_in_the_registry():
    at = open_page()
    links = {link.proto.page for link in at.get("page_link")}
    assert {entry.url_path for entry in LABS} <= links


def test_every_lab_opens_without_an_error():
    for entry in LABS:
        at = open_page(entry.key)
        assert not at.error, (entry.key, [e.value for e in at.error])
