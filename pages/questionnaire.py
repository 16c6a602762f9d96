from nrdash.ui import personal_form

personal_form.form_page()  # a campaign's personal link: no sign-in, no sidebar, no census (app.py skips them here)
