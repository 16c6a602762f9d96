from nrdash import ui
from nrdash.ui import vote_room

vote_room.atelier_page(ui.context())  # the room's live vote: open, project, close, into the plan (nrdash.ui.vote_room)
