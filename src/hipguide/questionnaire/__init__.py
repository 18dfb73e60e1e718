"""The interactive questionnaire: the questions as checked data (``data``) and
the terminal dialogue that walks them (``dialogue``)."""
