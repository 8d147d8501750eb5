"""The browser side of the leads app: list and lead pages, their forms' handling, CSV export, the contact form."""
