"""Files and pages the sandbox serves: uploaded images and published articles (phone width)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sandbox_pages", __name__)
