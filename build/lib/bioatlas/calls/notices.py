"""What calls tell applicants: `call.result` (laureate or not), through `notifications.service`."""

from __future__ import annotations

from bioatlas.core.plugins import NotificationKind

RESULT = NotificationKind(
    name="call.result",
    label={"fr": "Résultats de mes candidatures", "en": "Results of my applications"},
    templates={
        "fr": ("Résultats : {{ call }}",
               "{% if laureate %}Félicitations : votre candidature n° {{ id }} à « {{ call }} » est lauréate."
               "{% else %}Votre candidature n° {{ id }} à « {{ call }} » n'a pas été retenue. Les commentaires du jury "
               "sont sur la page de votre candidature.{% endif %}"),
        "en": ("Results: {{ call_en }}",
               "{% if laureate %}Congratulations: your application #{{ id }} to \"{{ call_en }}\" is a laureate."
               "{% else %}Your application #{{ id }} to \"{{ call_en }}\" was not selected. The jury's comments "
               "are on your application's page.{% endif %}"),
    },
    default="immediate",
)
