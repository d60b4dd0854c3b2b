"""The menu (accounts.context_processors.navigation): built once per role, language and
current page in each process, and still each role's own, in the reader's language, with
the page being read marked."""

import re

from django.urls import reverse

from shegong.accounts.roles import Role


def _menu(client, path: str) -> str:
    page = client.get(path).content.decode()
    return page[
        page.index('<ul class="navbar-nav') : page.index("</ul>\n", page.index('id="mainnav"'))
    ]


def _active(menu: str) -> list[str]:
    return re.findall(r'class="nav-link active" href="([^"]+)"', menu)


def test_the_page_being_read_is_marked_and_only_it(client, world):
    client.force_login(world.actors["county_officer"])
    home = _menu(client, reverse("home"))
    assert _active(home) == [reverse("home")]
    visits = _menu(client, reverse("work:visit_list"))
    assert _active(visits) == [reverse("work:visit_list")]
    assert f'href="{reverse("indicators:rule_set_list")}">目标</a>' in visits  # an officer's


def test_each_role_its_own_menu_whatever_was_built_before(client, world):
    client.force_login(world.actors["county_officer"])
    officer = _menu(client, reverse("home"))
    worker = world.places["own"].worker
    client.force_login(worker)
    mine = _menu(client, reverse("home"))
    assert reverse("indicators:rule_set_list") in officer
    assert reverse("indicators:rule_set_list") not in mine  # no targets for a worker
    assert reverse("workforce:registration") in mine and "nav-group" in mine
    # a new role is a new menu at once (the menu is the role's, not the person's)
    worker.role = Role.COUNTY_OFFICER
    worker.station = None
    worker.scope_region_id = "430302"
    worker.save()
    assert _menu(client, reverse("home")) == officer


def test_the_menu_is_in_the_readers_language(client, world):
    client.force_login(world.actors["county_officer"])
    assert ">首页</a>" in _menu(client, reverse("home"))
    client.cookies["django_language"] = "en"
    english = _menu(client, reverse("home"))
    assert ">Home</a>" in english and "首页" not in english
