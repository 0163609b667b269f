"""``<br>``-paragraph bodies -> ``<p>`` elements, before extraction.

Older PHP portals (and some Arabic CMS themes) write the article as bare text in one
``<div>`` (or ``<td>``/``<span>``/``<font>``), paragraphs separated by ``<br/><br/>``, with
no ``<p>`` at all. trafilatura scores containers by their paragraphs, so such a body loses
to the site's chrome (a cookie banner, the menu, a "most read" list in ``<li>``s), and
inside a layout table it comes out as one "| … |" line. Rebuilding the runs between
double breaks as ``<p>`` elements gives the body the shape every extractor expects. A
block container is rebuilt only when it holds at least two ``<br>`` and ``MIN_BR_TEXT``
characters of its own text (not inside child blocks): a menu separated by ``<br>`` or an
address block is left alone.
"""

from __future__ import annotations

from lxml.html import HtmlElement

# A container needs this much of its own text (outside child blocks) to be a body.
MIN_BR_TEXT = 200
# Block containers only: rebuilding an inline <font>/<span> leaves its inline siblings (a
# bold subheading in its own <font>) stranded between blocks, where extractors drop them.
_HOSTS = ("div", "td", "section", "article", "center", "blockquote", "p")
_BLOCKS = frozenset(
    {
        "div", "p", "table", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
        "section", "article", "aside", "header", "footer", "nav", "form", "figure", "pre", "hr",
        "iframe", "video", "center", "script", "style", "noscript",
    }
)  # fmt: skip


def _own_text(element: HtmlElement) -> int:
    """Characters of ``element``'s text outside its child blocks."""
    size = len((element.text or "").strip())
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _BLOCKS:
            size += len(child.text_content().strip())
        size += len((child.tail or "").strip())
    return size


def _is_br(node: object) -> bool:
    return getattr(node, "tag", None) == "br"


def _rebuild(host: HtmlElement) -> int:
    """Regroup ``host``'s inline content into ``<p>`` children split at runs of 2+ ``<br>``."""
    children = list(host)
    lead = host.text
    host.text = None
    for child in children:
        host.remove(child)  # lxml keeps each child's tail with it
    made = 0
    current = host.makeelement("p", {})
    current.text = lead

    def flush() -> None:
        nonlocal current, made
        if (current.text or "").strip() or len(current):
            host.append(current)
            made += 1
        current = host.makeelement("p", {})

    index = 0
    while index < len(children):
        child = children[index]
        if _is_br(child):
            last = index
            while (
                last + 1 < len(children)
                and _is_br(children[last + 1])
                and not (children[last].tail or "").strip()
            ):
                last += 1
            if last > index:  # a paragraph break: the breaks go, the text after them opens a paragraph
                flush()
                current.text = children[last].tail
                index = last + 1
                continue
            current.append(child)
        elif isinstance(child.tag, str) and child.tag in _BLOCKS:
            tail = child.tail
            child.tail = None
            flush()
            host.append(child)
            current.text = tail
        else:
            current.append(child)
        index += 1
    flush()
    return made


def _two_breaks(element: HtmlElement) -> bool:
    """Whether ``element`` has at least two ``<br>`` children."""
    breaks = element.iterchildren("br")
    return next(breaks, None) is not None and next(breaks, None) is not None


def _sole_wrapper(element: HtmlElement) -> bool:
    """An inline ``<font>``/``<span>`` that is all of its block parent's content
    (``<p><font size="3">text<br><br>text</font></p>``): rebuilding it strands nothing."""
    parent = element.getparent()
    if parent is None or parent.tag not in _HOSTS or (parent.text or "").strip():
        return False
    return all(child is element or not child.text_content().strip() for child in parent) and not any(
        (child.tail or "").strip() for child in parent
    )


def split_br_paragraphs(root: HtmlElement) -> list[HtmlElement]:
    """Rebuild every ``<br>``-paragraph container under ``root``; return the containers."""
    hosts = []
    for element in root.iter(*_HOSTS, "font", "span"):
        # cheapest tests first (most containers have fewer than two children)
        if len(element) < 2 or not _two_breaks(element):
            continue
        if element.tag in ("font", "span") and not _sole_wrapper(element):
            continue
        if _own_text(element) >= MIN_BR_TEXT:
            hosts.append(element)
    for host in hosts:
        if host.tag in ("p", "font", "span"):
            host.tag = "div"  # a <p> cannot hold paragraphs; an inline wrapper becomes a block
            parent = host.getparent()
            if parent is not None and parent.tag == "p":
                parent.tag = "div"
        _rebuild(host)
    return hosts
