from django.conf import settings
from django.db import transaction
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from eduworld.accounts.api import LoginView, LogoutView, MeView
from eduworld.accounts.mail import InvitationsView, JoinView, NewPasswordView, PasswordResetView
from eduworld.assets.api import AssetViewSet
from eduworld.assets.media import media_urlpatterns
from eduworld.boards.api import BoardViewSet
from eduworld.core.health import HealthView
from eduworld.curriculum.api import NodeViewSet, SearchView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("nodes", NodeViewSet, basename="node")
router.register("assets", AssetViewSet, basename="asset")
router.register("boards", BoardViewSet, basename="board")

urlpatterns = [
    # Health must answer even when the database is gone: no request transaction around it.
    path("api/health/", transaction.non_atomic_requests(HealthView.as_view()), name="health"),
    path("api/auth/login/", LoginView.as_view(), name="login"),
    path("api/auth/logout/", LogoutView.as_view(), name="logout"),
    path("api/auth/me/", MeView.as_view(), name="me"),
    path("api/auth/password-reset/", PasswordResetView.as_view(), name="password-reset"),
    path("api/auth/new-password/", NewPasswordView.as_view(), name="new-password"),
    path("api/invitations/", InvitationsView.as_view(), name="invitations"),
    path("api/invitations/accept/", JoinView.as_view(), name="join"),
    path("api/search/", SearchView.as_view(), name="search"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/", include(router.urls)),
]

if settings.DEBUG:
    # In production nginx serves media; `make demo` has no nginx in front. Same headers.
    urlpatterns += media_urlpatterns()

handler400 = "eduworld.core.errors.bad_request"
handler403 = "eduworld.core.errors.permission_denied"
handler404 = "eduworld.core.errors.not_found"
handler500 = "eduworld.core.errors.server_error"
