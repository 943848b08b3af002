from django.urls import path

from claims import views

public_urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<str:key>/", views.article_detail, name="article_detail"),
]

app_name = "review"
urlpatterns = [
    path("", views.review_home, name="home"),
]
