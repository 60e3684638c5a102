"""Helpers for the web page tests: a browser-like client, signing in, reading HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx

PASSWORD = "correct-horse-battery"
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


def form_csrf(html: str) -> str:
    """The CSRF token of the first form on the page."""
    found = _CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, next_url: str | None = None
) -> httpx.Response:
    """Open the sign-in form and post it, as a browser would; returns the POST response."""
    params = {"next": next_url} if next_url is not None else None
    form = await client.get("/login", params=params)
    assert form.status_code == 200, form.text
    data = {"email": email, "password": password, "csrf_token": form_csrf(form.text)}
    if next_url is not None:
        data["next"] = next_url
    return await client.post("/login", data=data)


@dataclass
class Node:
    """An element of a parsed page (enough of a DOM to check the page contract)."""

    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: Any) -> list[Node]:
        """Descendants matching a tag, a class and attribute values (True: present)."""
        found = []
        for child in self.elements():
            if _matches(child, tag, cls, attrs):
                found.append(child)
            found.extend(child.find_all(tag, cls, **attrs))
        return found

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: Any) -> Node:
        matches = self.find_all(tag, cls, **attrs)
        assert len(matches) == 1, f"expected one {tag}.{cls} {attrs}, found {len(matches)}"
        return matches[0]


def _matches(node: Node, tag: str | None, cls: str | None, attrs: dict[str, Any]) -> bool:
    if tag is not None and node.tag != tag:
        return False
    if cls is not None and cls not in node.classes:
        return False
    for name, value in attrs.items():
        name = name.rstrip("_").replace("_", "-")
        if value is True:
            if name not in node.attrs:
                return False
        elif value is None:
            if name in node.attrs:
                return False
        elif node.attrs.get(name) != str(value):
            return False
    return True


_VOID = {"meta", "link", "input", "br", "img", "hr", "source", "wbr", "area", "col"}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root
