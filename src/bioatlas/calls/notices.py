"""What calls tell applicants: `call.result` (laureate or not), through `notifications.service`."""

from __future__ import annotations

from bioatlas.notifications.service import notice_kind

RESULT = notice_kind(
    "call.result",
    fr=("Résultats de mes candidatures",
        "Résultats\u202f: {{ call }}",
        "{% if laureate %}Félicitations\u202f: votre candidature n° {{ id }} à «\u00a0{{ call }}\u00a0» est lauréate."
        "{% else %}Votre candidature n° {{ id }} à «\u00a0{{ call }}\u00a0» n'a pas été retenue. Les commentaires du jury "
        "sont sur la page de votre candidature.{% endif %}"),
    en=("Results of my applications",
        "Results: {{ call_en }}",
        "{% if laureate %}Congratulations: your application #{{ id }} to \"{{ call_en }}\" is a laureate."
        "{% else %}Your application #{{ id }} to \"{{ call_en }}\" was not selected. The jury's comments "
        "are on your application's page.{% endif %}"),
)
