using System.Globalization;
using System.Text;
using Vsa.Edge.FleetManager.Evaluation;
using Vsa.Edge.FleetManager.Register;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Suspensions;

namespace Vsa.Edge.FleetManager.Reports;

/// <summary>
/// The décret's evaluation report (bilan) of one authorisation, as HTML (print CSS) and CSV. Its figures come from the
/// fleet's <see cref="EvaluationCalculator"/>, so they are those of <c>GET /api/evaluation</c> for the same period and cameras.
/// </summary>
public static class BilanDocument
{
    /// <summary>The document; the stylesheet linked (<paramref name="inlineStyle"/> false, served by the fleet) or inline (a file).</summary>
    public static string Render(ReportData data, TimeZoneInfo zone, bool inlineStyle)
    {
        ArgumentNullException.ThrowIfNull(data);
        var title = $"Bilan de l'arrêté {data.Authorisation.Reference}";
        var html = Html.Start(title, inlineStyle ? null : RegisterPage.StylesheetPath, inlineStyle ? RegisterPage.Stylesheet : null);
        html.Append("<header>\n<h1>").Append(Html.E(title)).Append("</h1>\n<p class=\"lead\">Évaluation du traitement (décret n° 2023-828 art. 4 ; loi n° 2023-380 art. 10 VI), du ")
            .Append(Html.E(Html.DateTime(data.From, zone))).Append(" au ").Append(Html.E(Html.DateTime(data.To, zone)))
            .Append(". Généré le ").Append(Html.E(Html.DateTime(data.GeneratedAt, zone))).Append(" à partir des données du gestionnaire de flotte.</p>\n</header>\n<main>\n");
        Figures(html, data, zone);
        html.Append("</main>\n");
        return Html.End(html);
    }

    /// <summary>The figures (also the last part of the AIPD): evaluation, dismissals, suspensions, changes, uptime.</summary>
    public static void Figures(StringBuilder html, ReportData data, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(data);
        var e = data.Evaluation;
        html.Append("<h2 id=\"alertes\">Alertes</h2>\n<p>Une alerte compte dans la période selon l'heure de sa réception par le gestionnaire ; le délai de décision va de la réception à la décision de l'opérateur. Précision = confirmées / décidées.</p>\n");
        html.Append("<table id=\"total\">\n<caption>Ensemble</caption>\n");
        Header(html, "Périmètre");
        html.Append("<tbody>\n");
        Row(html, "Toutes les alertes", e.Total);
        html.Append("</tbody>\n</table>\n<table id=\"par-evenement\">\n<caption>Par événement</caption>\n");
        Header(html, "Événement");
        html.Append("<tbody>\n");
        foreach (var row in e.ByEventType)
        {
            Row(html, EventTexts.Name(row.EventType!.Value), row);
        }

        html.Append("</tbody>\n</table>\n<table id=\"par-camera\">\n<caption>Par caméra</caption>\n");
        Header(html, "Caméra");
        html.Append("<tbody>\n");
        foreach (var row in e.ByCamera)
        {
            Row(html, CameraLabel(data, row.DeviceId!, row.CameraId!), row);
        }

        html.Append("</tbody>\n</table>\n<h3>Motifs de rejet</h3>\n");
        if (data.Dismissals.Count == 0)
        {
            html.Append("<p>Aucune alerte rejetée.</p>\n");
        }
        else
        {
            html.Append("<table id=\"motifs\">\n").Head("Motif", "Alertes").Append("<tbody>\n");
            foreach (var d in data.Dismissals)
            {
                html.Row(Html.E(d.Reason), N(d.Count));
            }

            html.Append("</tbody>\n</table>\n");
        }

        html.Append("<h2 id=\"suspensions\">Suspensions de l'analyse</h2>\n");
        if (data.Suspensions.Count == 0)
        {
            html.Append("<p>Aucune suspension pendant la période.</p>\n");
        }
        else
        {
            html.Append("<table>\n").Head("Portée", "Motif", "Début", "Reprise", "Durée dans la période").Append("<tbody>\n");
            foreach (var s in data.Suspensions)
            {
                html.Row(Html.E(Scope(s.Suspension)), Html.E(s.Suspension.Reason), Html.E(Html.DateTime(s.Suspension.Since, zone)),
                    Html.E(s.Suspension.ResumedAt is { } resumed ? Html.DateTime(resumed, zone) : "en cours"), Html.E(Duration(s.DurationInPeriod)));
            }

            html.Append("</tbody>\n</table>\n");
        }

        html.Append("<h2 id=\"changements\">Changements de configuration</h2>\n");
        if (data.ConfigChanges.Count == 0)
        {
            html.Append("<p>Aucun changement enregistré.</p>\n");
        }
        else
        {
            html.Append("<table>\n").Head("Date", "Objet", "Changement", "Par").Append("<tbody>\n");
            foreach (var c in data.ConfigChanges)
            {
                html.Row(Html.E(Html.DateTime(c.At, zone)), Html.E(c.Target), Html.E($"{c.Action} {c.Summary}".Trim()), Html.E(c.Actor));
            }

            html.Append("</tbody>\n</table>\n");
        }

        html.Append("<h2 id=\"disponibilite\">Disponibilité des équipements</h2>\n<p>Part du temps où l'équipement a été entendu (deux signaux de vie espacés de moins de ")
            .Append((int)ReportCollector.UptimeGap.TotalSeconds).Append(" s couvrent l'intervalle), sur la partie de la période couverte par l'historique conservé (")
            .Append(data.Retention.LogsDays).Append(" jours).</p>\n<table id=\"disponibilite-table\">\n").Head("Équipement", "Depuis", "Jusqu'au", "Signaux de vie", "Temps couvert", "Disponibilité").Append("<tbody>\n");
        foreach (var u in data.Uptime)
        {
            html.Row(Html.E(u.DeviceId), Html.E(Html.DateTime(u.From, zone)), Html.E(Html.DateTime(u.To, zone)), N(u.Heartbeats), Html.E(Duration(u.Up)),
                u.Ratio is { } ratio ? Html.E(Html.Number(ratio * 100, "0.#") + " %") : "—");
        }

        html.Append("</tbody>\n</table>\n");
    }

    /// <summary>The bilan as CSV (RFC 4180, fields as <see cref="EvaluationEndpoints.Field"/> writes them), one section per row kind.</summary>
    public static string ToCsv(ReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var csv = new StringBuilder();
        csv.Append("section,subject,event_type,device_id,camera_id,raised,confirmed,dismissed,pending,precision,median_seconds_to_decision,count,duration_seconds,ratio,at,detail\r\n");
        void Line(params string?[] fields) => csv.AppendJoin(',', fields.Select(EvaluationEndpoints.Field)).Append("\r\n");
        void Evaluation(string section, EvaluationRow r) => Line(section, data.Authorisation.Reference, r.EventType is { } t ? WireNames.Of(t) : null, r.DeviceId, r.CameraId,
            I(r.Raised), I(r.Confirmed), I(r.Dismissed), I(r.Pending), r.Precision?.ToString("0.####", CultureInfo.InvariantCulture),
            r.MedianSecondsToDecision?.ToString("0.###", CultureInfo.InvariantCulture), null, null, null, null, null);
        Evaluation("total", data.Evaluation.Total);
        foreach (var r in data.Evaluation.ByEventType)
        {
            Evaluation("event_type", r);
        }

        foreach (var r in data.Evaluation.ByCamera)
        {
            Evaluation("camera", r);
        }

        foreach (var r in data.Evaluation.ByCameraAndEventType)
        {
            Evaluation("camera_event_type", r);
        }

        foreach (var d in data.Dismissals)
        {
            Line("dismissal_reason", d.Reason, null, null, null, null, null, null, null, null, null, I(d.Count), null, null, null, null);
        }

        foreach (var s in data.Suspensions)
        {
            Line("suspension", SuspensionStore.ScopeName(s.Suspension.Scope), null, s.Suspension.DeviceId, s.Suspension.CameraId, null, null, null, null, null, null, null,
                ((long)s.DurationInPeriod.TotalSeconds).ToString(CultureInfo.InvariantCulture), null, T(s.Suspension.Since), s.Suspension.Reason);
        }

        foreach (var c in data.ConfigChanges)
        {
            Line("config_change", c.Target, null, null, null, null, null, null, null, null, null, null, null, null, T(c.At), $"{c.Action} {c.Summary} by {c.Actor}".Trim());
        }

        foreach (var u in data.Uptime)
        {
            Line("uptime", null, null, u.DeviceId, null, null, null, null, null, null, null, I(u.Heartbeats), ((long)u.Up.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                u.Ratio?.ToString("0.####", CultureInfo.InvariantCulture), T(u.From), null);
        }

        return csv.ToString();
    }

    /// <summary>"Nom public — lieu (device / camera)".</summary>
    public static string CameraLabel(ReportData data, string deviceId, string cameraId)
    {
        ArgumentNullException.ThrowIfNull(data);
        var camera = data.Cameras.FirstOrDefault(c => c.DeviceId == deviceId && c.CameraId == cameraId);
        return camera is null ? $"{deviceId} / {cameraId}" : $"{camera.PublicName} — {camera.Place} ({deviceId} / {cameraId})";
    }

    /// <summary>A duration in French ("2 j 3 h 04 min", "45 s").</summary>
    public static string Duration(TimeSpan d) =>
        d.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalDays} j {d.Hours} h {d.Minutes:00} min")
        : d.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours} h {d.Minutes:00} min")
        : d.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes} min {d.Seconds:00} s")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalSeconds} s");

    private static string Scope(SuspensionView s) => s.Scope switch
    {
        SuspensionScope.Global => "toute la flotte",
        SuspensionScope.Site => $"site {s.Site}",
        SuspensionScope.Device => $"équipement {s.DeviceId}",
        _ => $"caméra {s.DeviceId} / {s.CameraId}",
    };

    private static void Header(StringBuilder html, string first) =>
        html.Append("<thead><tr><th scope=\"col\">").Append(Html.E(first)).Append("</th><th scope=\"col\" class=\"n\">Levées</th><th scope=\"col\" class=\"n\">Confirmées</th><th scope=\"col\" class=\"n\">Rejetées</th><th scope=\"col\" class=\"n\">En attente</th><th scope=\"col\" class=\"n\">Précision</th><th scope=\"col\" class=\"n\">Délai médian de décision</th></tr></thead>\n");

    private static void Row(StringBuilder html, string label, EvaluationRow r) =>
        html.Append("<tr><th scope=\"row\">").Append(Html.E(label)).Append("</th>")
            .Append("<td class=\"n\" data-field=\"raised\">").Append(N(r.Raised)).Append("</td>")
            .Append("<td class=\"n\" data-field=\"confirmed\">").Append(N(r.Confirmed)).Append("</td>")
            .Append("<td class=\"n\" data-field=\"dismissed\">").Append(N(r.Dismissed)).Append("</td>")
            .Append("<td class=\"n\" data-field=\"pending\">").Append(N(r.Pending)).Append("</td>")
            .Append("<td class=\"n\" data-field=\"precision\"").Append(r.Precision is { } p ? string.Create(CultureInfo.InvariantCulture, $" data-value=\"{p:0.####}\">") + Html.E(Html.Number(p * 100, "0.#") + " %") : ">—").Append("</td>")
            .Append("<td class=\"n\" data-field=\"median\"").Append(r.MedianSecondsToDecision is { } m ? string.Create(CultureInfo.InvariantCulture, $" data-value=\"{m:0.###}\">") + Html.E(Duration(TimeSpan.FromSeconds(m))) : ">—").Append("</td></tr>\n");

    private static string N(int value) => Html.E(value.ToString("N0", Html.French));

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string T(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
