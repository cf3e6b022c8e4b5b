"""How dates, times, numbers and phones read in each language: one module per language, found by
Django through `FORMAT_MODULE_PATH`, used by the filters of `supportdesk.formatting`.

English: "3 Dec 2026, 14:05", "1,250". Burmese: "၀၃-၁၂-၂၀၂၆ ၁၄:၀၅", "၁,၂၅၀": day, month, year in
Myanmar digits (Django has no Burmese month names, and a number reads the same to everyone).
Phones are grouped the international way in both ("+95 9 261 123 456"), in the language's
digits; links to dial keep ASCII digits. Codes and references (8BC9B35A) are never changed.
"""
