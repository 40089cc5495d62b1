from django.urls import path

from . import views

# signed-in-cards is served only under floor.settings_signed_in (it needs sessions and auth); it
# comes last so the other two pages resolve exactly as before.
urlpatterns = [path("hello", views.hello), path("cards", views.cards),
               path("signed-in-cards", views.signed_in_cards)]
