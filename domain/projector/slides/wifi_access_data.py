"""The ``wifi_access_data`` slide: the meeting's wifi credentials (spec projector.md §7.8).

A missing meeting is a FAIL here (decision P3 D5: upstream panics on it).
"""

from __future__ import annotations

from typing import Any

from domain.projector.context import Projection, SlideContext
from domain.projector.registry import slide
from domain.projector.slides.titles import fqid_id

FIELDS = ("users_pdf_wlan_ssid", "users_pdf_wlan_password", "users_pdf_wlan_encryption")


@slide("wifi_access_data")
def wifi_access_data(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    """Each setting that is not empty; the content is the same for every viewer (spec §3.1)."""
    fqid = f"meeting/{fqid_id(projection.content_object_id)}"
    values = ctx.obj(fqid, *FIELDS)
    settings = {field: values.get_str(field) for field in FIELDS}
    return {field: value for field, value in settings.items() if value}
