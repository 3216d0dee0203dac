"""Every capability's routes, in the order the app includes them (an entry point's module of its own, imported
when the app includes them: `suraksha serve` includes them after it has started to answer the providers'
webhooks, which the webhook lane serves without them, `app.create_app`)."""

from __future__ import annotations

from suraksha.accounts import api as accounts_api
from suraksha.analytics import api as analytics_api
from suraksha.analytics import views as analytics_views
from suraksha.cases import api as cases_api
from suraksha.cases import views as cases_views
from suraksha.cases.courts import api as courts_api
from suraksha.cases.courts import views as courts_views
from suraksha.cases.dashboards import api as case_dashboards_api
from suraksha.cases.dashboards import views as case_dashboards_views
from suraksha.cases.forensics import api as forensics_api
from suraksha.cases.forensics import views as forensics_views
from suraksha.cases.updates import api as case_updates_api
from suraksha.cases.updates import views as case_updates_views
from suraksha.dispatch import api as dispatch_api
from suraksha.dispatch import views as dispatch_views
from suraksha.handsets import api as handsets_api
from suraksha.handsets import views as handsets_views
from suraksha.incidents import api as incidents_api
from suraksha.incidents import interop_api, noise_api
from suraksha.incidents import merge_api as incident_merges_api
from suraksha.intake.channels.panic_button import api as panic_button
from suraksha.intake.channels.twilio_sms import webhook as twilio_sms
from suraksha.intake.channels.voice_call import api as voice_call
from suraksha.intake.channels.web_form import api as web_form
from suraksha.intake.channels.whatsapp_cloud import webhook as whatsapp_cloud
from suraksha.posters import api as posters_api
from suraksha.registry import api as registry_api
from suraksha.registry import views as registry_views
from suraksha.societies import api as societies_api
from suraksha.societies import views as societies_views
from suraksha.stations import api as stations_api
from suraksha.targets import api as targets_api
from suraksha.volunteers import api as volunteers_api
from suraksha.volunteers import views as volunteers_views
from suraksha.web import api_docs, health, sign_in, stream, views

# noise's routes before incidents' (`/incidents/noise` before `/incidents/{tracking}`)
ROUTERS = (twilio_sms.router, whatsapp_cloud.router, panic_button.router, voice_call.router, web_form.router,
           noise_api.router,
           incidents_api.router,
           accounts_api.router,
           incident_merges_api.router,
           interop_api.router,
           stations_api.router, dispatch_api.router,
           registry_api.router, posters_api.router, handsets_api.router, targets_api.router, stream.router,
           sign_in.router, views.router, registry_views.router, handsets_views.router, dispatch_views.router,
           analytics_api.router, analytics_views.router, volunteers_api.router, volunteers_views.router,
           cases_api.router, forensics_api.router, forensics_views.router, case_dashboards_api.router,
           case_dashboards_views.router, cases_views.router,
           courts_api.router, courts_views.router, case_updates_api.router, case_updates_views.router,
           societies_api.router, societies_views.router,
           api_docs.router, health.router)  # the webhook first
