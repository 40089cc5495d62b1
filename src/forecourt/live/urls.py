"""The Live Portal's URLs, all in the `live` namespace that templates link into with url()."""

from forecourt.themes import urls as themes_urls

from .account import urls as account_urls
from .blog import urls as blog_urls
from .catalogue import urls as catalogue_urls
from .developer import urls as developer_urls
from .search import urls as search_urls
from .sso import urls as sso_urls

app_name = "live"

urlpatterns = [*themes_urls.urlpatterns, *account_urls.urlpatterns, *catalogue_urls.urlpatterns,
               *developer_urls.urlpatterns, *blog_urls.urlpatterns, *sso_urls.urlpatterns,
               *search_urls.urlpatterns]
