"""English dates as the site has always shown them: "1 March 2014", not Django's "March 1, 2014".

French ("1 mars 2014") and Portuguese ("1 de março de 2014") use Django's own formats.
"""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
YEAR_MONTH_FORMAT = "F Y"
