from kanyle.quality.urls_documents import urlpatterns as documents
from kanyle.quality.urls_safety import urlpatterns as safety

app_name = "quality"
urlpatterns = [*documents, *safety]
