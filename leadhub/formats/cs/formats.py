# "14. prosince 2026, 19:31" (E is the month's name in the genitive, as Czech dates need it); short: "14. 12. 2026".
DATE_FORMAT = "j. E Y"
DATETIME_FORMAT = "j. E Y, G:i"
SHORT_DATE_FORMAT = "j. n. Y"
SHORT_DATETIME_FORMAT = "j. n. Y, G:i"
