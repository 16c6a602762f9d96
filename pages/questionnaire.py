from nrdash.ui import questionnaire

questionnaire.form_page()  # a campaign's personal link: no sign-in, no sidebar, no census (app.py skips them here)
