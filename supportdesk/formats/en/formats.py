"""English: day, short month name, year; a 24-hour clock (volunteers work across time zones)."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
# A month of a year (reports by month); the month alone is its part of this.
YEAR_MONTH_FORMAT = "M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
# The digits numbers are written with, 0 to 9 (read by supportdesk.formatting).
DIGITS = "0123456789"
