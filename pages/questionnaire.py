from nrdash.ui import questionnaire

questionnaire.form_page()  # public: no sign-in, no sidebar, no census (app.py skips them for this page)
