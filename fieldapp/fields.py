"""Form fields shared by every feature (the ground floor: WTForms only)."""

from __future__ import annotations

from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes: large targets on a phone or tablet, no multi-select box to fight."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
