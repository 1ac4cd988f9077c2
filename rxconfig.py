import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

from occireflex.settings import settings

config = rx.Config(
    app_name="occireflex",
    db_url=settings.db_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    cors_allowed_origins=list(settings.allowed_origins),
    disable_plugins=[SitemapPlugin],
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="blue", gray_color="slate", radius="medium",
                           appearance="light"),
        ),
    ],
)
