"""advisor: a model-strategy decision advisor.

Kept import-light on purpose: ``advisor --help`` must not pay for numpy,
pydantic or jinja2. Import the submodules you need directly.
"""

__version__ = "0.1.0"
