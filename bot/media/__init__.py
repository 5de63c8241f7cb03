"""Pictures made from data: exercise figures and loops, progress charts.

Renderers take content (pose key frames, scores) and return image bytes or files. They
import no `telegram` and no database: sending and remembering `file_id`s is the
handlers' and services' job. Heavy libraries are imported lazily, so start-up stays cheap.
"""
