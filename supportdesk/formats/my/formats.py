"""Burmese: day-month-year and a 24-hour clock, all in Myanmar digits (၀၃-၁၂-၂၀၂၆ ၁၄:၀၅)."""

DATE_FORMAT = "d-m-Y"
SHORT_DATE_FORMAT = "d-m-Y"
TIME_FORMAT = "H:i"
# A month of a year (reports by month); the month alone is its part of this.
YEAR_MONTH_FORMAT = "m-Y"
DATETIME_FORMAT = "d-m-Y H:i"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
# The digits numbers are written with, 0 to 9 (read by supportdesk.formatting).
DIGITS = "၀၁၂၃၄၅၆၇၈၉"
