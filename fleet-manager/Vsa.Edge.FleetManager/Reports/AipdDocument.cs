using System.Text;
using System.Text.Json;
using Vsa.Edge.Configuration;
using Vsa.Edge.FleetManager.Register;

namespace Vsa.Edge.FleetManager.Reports;

/// <summary>
/// The AIPD (DPIA, RGPD art. 35; loi 2023-380 art. 10 II) of one authorisation, as HTML with print CSS, from the fleet's own
/// data: the arrêté, the events as configured on each camera, the cameras and places, the data flows with the alert
/// message's fields read from the contract, retention, security measures in force, human review, and the bilan's figures.
/// </summary>
public static class AipdDocument
{
    /// <summary>The document; the stylesheet linked (served by the fleet) or inline (a file).</summary>
    public static string Render(ReportData data, TimeZoneInfo zone, bool inlineStyle)
    {
        ArgumentNullException.ThrowIfNull(data);
        var a = data.Authorisation;
        var title = $"Analyse d'impact relative à la protection des données — arrêté {a.Reference}";
        var html = Html.Start(title, inlineStyle ? null : RegisterPage.StylesheetPath, inlineStyle ? RegisterPage.Stylesheet : null);
        html.Append("<header>\n<h1>").Append(Html.E(title)).Append("</h1>\n<p class=\"lead\">Document généré le ").Append(Html.E(Html.DateTime(data.GeneratedAt, zone)))
            .Append(" à partir de la configuration et des journaux du gestionnaire de flotte Vsa.Edge ; il décrit ce qui est en vigueur, pas une intention.</p>\n</header>\n<main>\n");

        html.Append("<h2 id=\"traitement\">1. Le traitement et sa base légale</h2>\n<dl>\n");
        Term(html, "Responsable du traitement", data.Controller);
        Term(html, "Autorisation", $"arrêté {a.Reference}" + (a.Authority is { } authority ? $", {authority}" : string.Empty));
        Term(html, "Service autorisé", a.Service);
        Term(html, "Finalité", a.Purpose ?? "non renseignée dans l'arrêté enregistré");
        Term(html, "Période", $"du {Html.DateTime(a.StartsAt, zone)} au {Html.DateTime(a.EndsAt, zone)} (l'analyse s'arrête d'elle-même à la fin, sur l'équipement)");
        Term(html, "Base légale", "loi n° 2023-380 du 19 mai 2023, art. 10 ; décret n° 2023-828 du 28 août 2023 ; arrêté préfectoral ci-dessus. Hors de ces bornes, le logiciel refuse d'analyser.");
        if (a.DocumentUrl is { } document)
        {
            html.Append("<dt>Texte de l'arrêté</dt><dd><a href=\"").Append(Html.E(document)).Append("\">").Append(Html.E(document)).Append("</a></dd>\n");
        }

        html.Append("</dl>\n<h2 id=\"evenements\">2. Événements détectés</h2>\n<p>Seuls les huit événements du décret (art. 3) existent dans le logiciel ; l'arrêté autorise :</p>\n<table>\n")
            .Head("Événement", "Définition").Append("<tbody>\n");
        foreach (var name in a.Events)
        {
            var known = EventTypes.TryParse(name, out var type);
            html.Row(Html.E(known ? EventTexts.Name(type) : name), Html.E(known ? EventTexts.Definition(type) : string.Empty));
        }

        html.Append("</tbody>\n</table>\n<h3>Paramètres configurés par caméra</h3>\n<p>Tels qu'ils figurent dans la configuration de chaque caméra ; un paramètre absent prend la valeur par défaut documentée (docs/events.md).</p>\n<table id=\"parametres\">\n")
            .Head("Caméra", "Événement", "Actif", "Zones", "Durée minimale (s)", "Paramètres", "Horaires").Append("<tbody>\n");
        var configured = 0;
        foreach (var camera in data.Cameras)
        {
            foreach (var e in Events(camera))
            {
                if (!a.Events.Contains(e.Type, StringComparer.Ordinal))
                {
                    continue;
                }

                configured++;
                html.Row(Html.E(camera.PublicName), Html.E(EventTexts.NameOf(e.Type)), e.Enabled ? "oui" : "non", Html.E(e.Zones), Html.E(e.MinDuration), Html.E(e.Parameters), Html.E(e.Schedule));
            }
        }

        if (configured == 0)
        {
            html.Append("<tr><td colspan=\"7\">Aucune configuration de ces caméras n'est enregistrée dans le gestionnaire de flotte.</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n<h2 id=\"cameras\">3. Caméras et lieux</h2>\n<table id=\"cameras-table\">\n")
            .Head("Nom public", "Lieu", "Équipement / caméra", "Masques de confidentialité", "Configuration").Append("<tbody>\n");
        foreach (var camera in data.Cameras)
        {
            html.Row(Html.E(camera.PublicName), Html.E(camera.Place), Html.E($"{camera.DeviceId} / {camera.CameraId}"),
                Html.E(camera.Known is { } k ? Count(k.Document, "privacyMasks").ToString(Html.French) : "—"),
                Html.E(camera.Known?.Origin switch { "desired" => "envoyée par la flotte", "reported" => "déclarée par l'équipement", _ => "inconnue" }));
        }

        html.Append("</tbody>\n</table>\n<p>Les masques de confidentialité sont noircis avant toute analyse (intérieurs et entrées d'immeubles, CSI L251-3).</p>\n");

        html.Append("<h2 id=\"flux\">4. Flux de données</h2>\n<ul>\n<li>Aucune image ne quitte l'équipement : l'analyse se fait sur place, l'image est oubliée après chaque trame.</li>\n")
            .Append("<li>L'équipement publie des <strong>métadonnées d'alerte</strong> au gestionnaire de flotte par MQTT, en TLS mutuel ; il ne parle à aucun autre système.</li>\n")
            .Append("<li>Le gestionnaire les conserve et les présente aux opérateurs désignés ; aucune autre interconnexion.</li>\n</ul>\n")
            .Append("<table id=\"champs-alerte\">\n<caption>Champs du message d'alerte (lus dans le contrat du protocole, <code>AlertMessage</code>)</caption>\n").Head("Champ", "Type").Append("<tbody>\n");
        foreach (var field in data.AlertFields)
        {
            html.Row($"<code>{Html.E(field.Name)}</code>", Html.E(field.Type));
        }

        html.Append("</tbody>\n</table>\n<p>Ni image, ni vignette, ni identité, ni attribut physique, ni suivi entre caméras : les identifiants de piste sont propres à une caméra et éphémères.</p>\n");

        var r = data.Retention;
        html.Append("<h2 id=\"conservation\">5. Conservation</h2>\n<ul>\n<li>").Append(Html.E(r.Images)).Append("</li>\n<li>Alertes et décisions : ").Append(r.AlertsDays)
            .Append(" jours après leur dernier changement, puis purgées automatiquement.</li>\n<li>Historique de santé des équipements : ").Append(r.LogsDays).Append(" jours.</li>\n<li>")
            .Append(Html.E(r.AuditLog)).Append("</li>\n</ul>\n");

        var s = data.Security;
        html.Append("<h2 id=\"securite\">6. Mesures de sécurité en vigueur</h2>\n<ul>\n")
            .Append("<li>Courtier MQTT : ").Append(Html.E(s.BrokerMode == "Embedded" ? "intégré au gestionnaire" : "externe")).Append(" ; ")
            .Append(s.MutualTls ? "TLS mutuel obligatoire (chaque équipement présente un certificat de l'autorité de la flotte)" : "<strong>TLS mutuel non exigé</strong>").Append(".</li>\n")
            .Append("<li>Droits d'écriture par sujet (ACL) : un équipement n'écrit que ses propres sujets ; seuls les messages signés par la clé de la flotte changent ce que fait un équipement (configuration, suspension).</li>\n");
        if (s.BenchDevicesMayPublish)
        {
            html.Append("<li><strong>Attention : l'exception de banc d'essai (BenchDevicesMayPublish) est active ; elle doit être désactivée en production.</strong></li>\n");
        }

        html.Append("<li>Journal d'audit chaîné par empreintes : ").Append(s.AuditIntact
                ? $"vérifié intègre à la génération ({s.AuditEntries.ToString("N0", Html.French)} entrées)."
                : $"<strong>NON intègre à la génération : {Html.E(s.AuditProblem)}</strong>").Append("</li>\n")
            .Append("<li>Rôles : ").Append(Html.E(string.Join(", ", s.Roles))).Append(" ; chaque compte porte sa désignation et sa date de formation ; toute page exige une connexion (sauf le registre public).</li>\n")
            .Append("<li>Arrêt d'urgence (suspension de l'analyse par caméra, équipement, site ou globale, signée, prioritaire) : ")
            .Append(s.ActiveSuspensions == 0 ? "disponible, aucune suspension en cours." : $"{s.ActiveSuspensions} suspension(s) en cours.").Append("</li>\n</ul>\n");

        html.Append("<h2 id=\"controle-humain\">7. Contrôle humain</h2>\n<p>Chaque alerte est un signal d'attention : un opérateur désigné la confirme ou la rejette (motif obligatoire), et la décision est enregistrée avec son auteur dans le journal d'audit. Rien n'est décidé automatiquement ; aucune décision ne peut être prise par un jeton d'API.</p>\n");
        html.Append("<h2 id=\"droits\">8. Droits des personnes</h2>\n<p>").Append(Html.E(data.Rights.Text)).Append("</p>\n<p>Contact : ")
            .Append(Html.E(string.Join(", ", new[] { data.Rights.DpoName, data.Rights.DpoEmail, data.Rights.DpoPostalAddress }.Where(x => x is not null)) is { Length: > 0 } contact ? contact : "non renseigné (Fleet:Register)"))
            .Append(". Le public est informé par le registre public (<code>/registre</code>).</p>\n");

        html.Append("<h2 id=\"bilan\">9. Évaluation (chiffres du bilan)</h2>\n");
        BilanDocument.Figures(html, data, zone);
        html.Append("</main>\n");
        return Html.End(html);
    }

    private static IEnumerable<(string Type, bool Enabled, string Zones, string MinDuration, string Parameters, string Schedule)> Events(ReportCamera camera)
    {
        if (camera.Known is not { } known || !known.Document.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var e in events.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object))
        {
            var type = Text(e, "type") ?? "?";
            var enabled = !e.TryGetProperty("enabled", out var en) || en.ValueKind != JsonValueKind.False;
            var zones = e.TryGetProperty("zones", out var z) && z.ValueKind == JsonValueKind.Array && z.GetArrayLength() > 0
                ? string.Join(", ", z.EnumerateArray().Select(x => x.ToString())) : "toute l'image";
            var minDuration = e.TryGetProperty("minDurationSeconds", out var m) ? m.ToString() : "défaut";
            var parameters = e.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object
                ? string.Join(", ", p.EnumerateObject().Select(x => $"{x.Name} = {x.Value}")) : "défauts";
            var schedule = e.TryGetProperty("schedule", out var s) && s.ValueKind == JsonValueKind.Object ? s.GetRawText() : "toujours";
            yield return (type, enabled, zones, minDuration, parameters, schedule);
        }
    }

    private static int Count(JsonElement document, string name) =>
        document.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array ? items.GetArrayLength() : 0;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void Term(StringBuilder html, string term, string value) =>
        html.Append("<dt>").Append(Html.E(term)).Append("</dt><dd>").Append(Html.E(value)).Append("</dd>\n");
}
