"""The PDF's structure tree (PDF/UA-1): headings, paragraphs, lists, tables and the figure.

fpdf2 keeps a flat tree (a Document holding one element per image or link); a report needs
nesting: Table > TR > TH/TD, L > LI > Lbl/LBody. `StructureTree` takes the place of
fpdf2's builder on the canvas (`FPDF.struct_builder`), so fpdf2 itself still writes the
tree, the parent tree, /StructParents on pages and /MarkInfo, and its `image(alt_text=)`
still adds the Figure, now in its place in the reading order. The canvas opens and closes
elements as it draws and asks here for the MCID that ties each piece of content to its
element.

fpdf2 internals used here, as in canvas.py (fpdf2 is pinned below 3, and
tests/reports/test_pdf_accessibility.py reads the tree back): the builder's interface
(`add_marked_content`, `next_mcid_for_page`, `empty`, iteration), `PDFPage.struct_parents`,
and the writer's `_add_structure_tree` and `pdf_objs`.

Each element writes itself in one formatted string: a 2,000-risk review holds ~85,000
elements and fpdf2's generic serializer (one getattr per attribute) would cost a second.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from xml.sax.saxutils import escape

from fpdf.output import OutputProducer, PDFPage
from fpdf.structure_tree import StructElem, StructureTreeBuilder
from fpdf.syntax import PDFObject, PDFString


class Tag(PDFObject):
    """One structure element: its role, parent, kids (elements or marked content) and page."""

    __slots__ = ("_id", "alt", "colspan", "kids", "parent", "pg", "role", "scope")

    def __init__(
        self, role: str, parent: PDFObject, pg: PDFPage, alt: str | None = None, scope: str | None = None
    ) -> None:
        self._id: int | None = None  # PDFObject's, set at output (its __init__ is skipped: ~85,000 calls)
        self.role = role
        self.parent = parent
        self.pg = pg  # the page the element starts on (fpdf2 sets it again for top-level ones)
        # Elements, MCIDs on the element's own page (plain ints, which the cyclic garbage
        # collector does not track), and (page, MCID) for content continued on a later page.
        self.kids: list[Tag | int | tuple[PDFPage, int]] = []
        self.alt = alt
        self.scope = scope
        self.colspan = 1  # a table cell covering several columns (ColSpan)

    def page_number(self) -> int:
        """The page the element starts on (fpdf2's StructElem interface)."""
        return int(self.pg.index())

    def serialize(self, obj_dict: Any = None, _security_handler: Any = None) -> str:
        """The element as an indirect object (no encryption: reports are not encrypted)."""
        # `_id` rather than the `ref` property: this runs for every element of the document.
        page = self.pg
        kids = []
        for kid in self.kids:
            if type(kid) is int:
                kids.append(str(kid))
            elif type(kid) is tuple:  # content continued on a later page: a marked-content reference
                kids.append(f"<</Type /MCR /Pg {kid[0]._id} 0 R /MCID {kid[1]}>>")
            else:
                kids.append(f"{kid._id} 0 R")  # type: ignore[union-attr]
        extra = ""
        if self.alt is not None:
            extra += f" /Alt {PDFString(self.alt).serialize()}"
        if self.scope is not None or self.colspan > 1:
            scope = f" /Scope /{self.scope}" if self.scope is not None else ""
            span = f" /ColSpan {self.colspan}" if self.colspan > 1 else ""
            extra += f" /A <</O /Table{scope}{span}>>"
        k = f" /K [{' '.join(kids)}]" if kids else ""
        return f"{self._id} 0 obj\n<</S /{self.role} /P {self.parent._id} 0 R /Pg {page._id} 0 R{extra}{k}>>\nendobj"


class StructureTree(StructureTreeBuilder):
    """A nested structure tree built as the canvas draws, in reading order."""

    def __init__(self, pages: dict[int, PDFPage]) -> None:
        super().__init__()
        self._pages = pages
        self._elements: list[Tag] = []
        self._open: list[StructElem | Tag] = [self.doc_struct_elem]
        self._page = 0  # the page `mark` wrote on last, with its page object and parent-tree entry
        self._page_obj: PDFPage | None = None
        self._owners: list[PDFObject] = []

    def open(self, page: int, role: str, *, alt: str | None = None, scope: str | None = None) -> Tag:
        """Start an element under the one open now; later content and elements go into it."""
        tag = self.add(page, role, alt=alt, scope=scope)
        self._open.append(tag)
        return tag

    def add(self, page: int, role: str, *, alt: str | None = None, scope: str | None = None) -> Tag:
        """An element under the one open now, left closed (its content is marked with `mark`)."""
        parent = self._open[-1]
        tag = Tag(role, parent, self._pages[page], alt, scope)
        if isinstance(parent, Tag):
            parent.kids.append(tag)
        else:
            parent.k.append(tag)
        self._elements.append(tag)
        return tag

    @property
    def open_role(self) -> str:
        """The role of the element open now (written as the marked content's tag)."""
        tag = self._open[-1]
        return tag.role if isinstance(tag, Tag) else "Document"

    def cells(self, page: int, roles: Sequence[tuple[str, str | None]]) -> list[Tag]:
        """The cells (role and scope) of the row open now, in one call: a table has thousands."""
        row = self._open[-1]
        assert isinstance(row, Tag)
        pg = self._pages[page]
        cells = [Tag(role, row, pg, None, scope) for role, scope in roles]
        row.kids.extend(cells)
        self._elements.extend(cells)
        return cells

    def enter(self, tag: Tag) -> None:
        """Open an element made before (a table cell that turns out to hold a list)."""
        self._open.append(tag)

    def close(self) -> None:
        """End the element opened last."""
        self._open.pop()

    def mark(self, page: int, owner: Tag | None = None) -> int:
        """The MCID of a new piece of content on `page` that belongs to `owner` (default: the open one)."""
        tag = owner or self._open[-1]
        assert isinstance(tag, Tag), "content outside any element"
        if page != self._page:
            self._turn_to(page)
        owners = self._owners  # the parent tree's entry for this page: the owner of each MCID
        mcid = len(owners)
        owners.append(tag)
        page_obj = self._page_obj
        assert page_obj is not None
        tag.kids.append(mcid if tag.pg is page_obj else (page_obj, mcid))
        return mcid

    def _turn_to(self, page: int) -> None:
        self._page = page
        self._page_obj = self._pages[page]
        spid = self.spid_per_page_number.get(page)
        if spid is None:
            spid = len(self.spid_per_page_number)
            self.spid_per_page_number[page] = spid
            self._page_obj.struct_parents = spid
        self._owners = self.struct_tree_root.parent_tree.nums[spid]

    def release(self) -> None:
        """Unlink every element from its parent once the document is written, so that
        reference counting frees the tree at once (the collector would walk it first)."""
        for tag in self._elements:
            tag.parent = self.doc_struct_elem
            tag.kids = []
        self._elements = []
        self.doc_struct_elem.k.clear()
        self.struct_tree_root.parent_tree.nums.clear()

    # -- fpdf2's builder interface, used by FPDF.image(alt_text=...) and the output ----
    def add_marked_content(
        self,
        page_number: int,
        struct_type: str,
        mcid: int | None = None,
        title: str | None = None,
        alt_text: str | None = None,
    ) -> tuple[StructElem, int]:
        """An element fpdf2 adds itself (the Figure of an image), placed in the open element."""
        tag = self.add(page_number, struct_type.lstrip("/"), alt=alt_text)
        if mcid is not None:
            taken = self.mark(page_number, tag)
            assert taken == mcid, "fpdf2 and the canvas disagree on the next MCID"
        return tag, self.spid_per_page_number[page_number]  # type: ignore[return-value]

    def next_mcid_for_page(self, page_number: int) -> int:
        """The MCID the next piece of content on the page will get."""
        if page_number != self._page:
            self._turn_to(page_number)
        return len(self._owners)

    def empty(self) -> bool:
        """Whether nothing is tagged yet."""
        return not self._elements

    def __iter__(self) -> Any:
        """Every object of the tree, the root first (fpdf2's output adds them in this order)."""
        yield self.struct_tree_root
        yield self.doc_struct_elem
        yield self.struct_tree_root.parent_tree
        yield from self._elements


class TaggedOutput(OutputProducer):
    """fpdf2's writer (`FPDF.output(output_producer_class=...)`), adding the structure
    elements without its per-object size tracing (a context manager per object)."""

    def bufferize(self) -> bytearray:
        """The document's bytes; the writer then lets go of its objects (fpdf2 keeps them
        in a reference cycle, which would leave the whole document to the collector)."""
        written = super().bufferize()
        self.pdf_objs.clear()
        return written

    def _add_structure_tree(self) -> PDFObject | None:
        # fpdf2 internal: the one step of the writer that adds the tree's objects.
        builder = self.fpdf.struct_builder
        if builder.empty():
            return None
        objects = iter(builder)
        root: PDFObject = next(objects)
        self._add_pdf_obj(root)
        for pdf_obj in objects:
            self._add_pdf_obj(pdf_obj)
        return root


def xmp_metadata(title: str, subject: str) -> str:
    """The XMP packet naming the document's title and its PDF/UA-1 conformance."""
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        "   <pdfuaid:part>1</pdfuaid:part>\n"
        f'   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>\n'
        f'   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(subject)}</rdf:li></rdf:Alt>'
        "</dc:description>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>"
    )


_collector_lock = threading.Lock()
_collector_pauses = 0
_collector_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while a PDF is drawn and written.

    A 2,000-risk review makes ~85,000 structure elements, each alive until the document is
    written; the collector would walk them again and again as they pile up (a quarter of the
    time to render). Nothing is lost: reference counting still frees memory, and the
    cycles (element and parent) are collected once the collector runs again. Renders in
    several threads share one pause, and the collector is on again after the last one.
    """
    global _collector_pauses, _collector_was_enabled
    with _collector_lock:
        if _collector_pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_pauses += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses -= 1
            if _collector_pauses == 0 and _collector_was_enabled:
                gc.enable()
