"""The annotation domain: model, anchoring, safe TinyDB storage and export (no Textual)."""
