using System.Text;

namespace Vsa.Edge.FleetManager.Register;

/// <summary>The public register as an HTML page (French, no script, one small stylesheet: <see cref="Stylesheet"/>).</summary>
public static class RegisterPage
{
    /// <summary>Where the stylesheet is served.</summary>
    public const string StylesheetPath = "/registre.css";

    /// <summary>The stylesheet of the register and of the reports: system fonts, readable widths, print rules.</summary>
    public const string Stylesheet = """
        :root { color-scheme: light; --ink: #1b1b1b; --muted: #555; --line: #ccc; --accent: #000091; --warn: #b34000; }
        body { font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0 auto; max-width: 62rem; padding: 1rem 1.25rem 3rem; }
        h1 { font-size: 1.6rem; margin: .5rem 0 .25rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid var(--accent); }
        h3 { font-size: 1.05rem; margin: 1.25rem 0 .25rem; }
        a { color: var(--accent); } a:focus, a:hover { outline: 2px solid var(--accent); outline-offset: 2px; }
        .lead { color: var(--muted); } .status { font-weight: 600; } .suspended, .status-suspended, .status-partially_suspended { color: var(--warn); }
        article { border: 1px solid var(--line); border-radius: 4px; padding: .25rem 1rem 1rem; margin: 1rem 0; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0; } dt { font-weight: 600; } dd { margin: 0; }
        table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
        th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; } caption { text-align: left; font-weight: 600; padding: .25rem 0; }
        ul { padding-left: 1.25rem; } footer { margin-top: 2rem; color: var(--muted); font-size: .9rem; }
        @media print { body { max-width: none; padding: 0; font-size: 10pt; } a { color: inherit; } article, table, tr { break-inside: avoid; } h2 { break-after: avoid; } }
        @page { size: A4; margin: 18mm 15mm; }

        """;

    /// <summary>Renders <paramref name="register"/>; dates in <paramref name="zone"/>.</summary>
    public static string Render(PublicRegister register, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(register);
        var html = Html.Start("Registre public de la vidéoprotection algorithmique", StylesheetPath, null);
        html.Append("<header>\n<h1>Registre public de la vidéoprotection algorithmique</h1>\n<p class=\"lead\">")
            .Append(Html.E(register.Controller)).Append(" — traitements autorisés par arrêté préfectoral (loi n° 2023-380, art. 10 ; décret n° 2023-828). ")
            .Append("Chaque alerte est un signal examiné par un agent habilité ; aucune décision n'est automatique. Mis à jour le ")
            .Append(Html.E(Html.DateTime(register.GeneratedAt, zone))).Append(".</p>\n</header>\n<main>\n");

        html.Append("<h2 id=\"en-vigueur\">Autorisations en vigueur</h2>\n");
        Authorisations(html, register.InForce, zone, "Aucune autorisation en vigueur : aucune analyse algorithmique n'est menée.");
        html.Append("<h2 id=\"terminees\">Autorisations récemment terminées</h2>\n");
        Authorisations(html, register.RecentlyEnded, zone, "Aucune autorisation terminée récemment.");

        var retention = register.Retention;
        html.Append("<h2 id=\"conservation\">Durées de conservation</h2>\n<ul>\n<li>").Append(Html.E(retention.Images)).Append("</li>\n<li>Alertes et décisions des opérateurs : ")
            .Append(retention.AlertsDays).Append(" jours.</li>\n<li>Journaux de fonctionnement des équipements : ").Append(retention.LogsDays)
            .Append(" jours.</li>\n<li>").Append(Html.E(retention.AuditLog)).Append("</li>\n</ul>\n");

        var rights = register.Rights;
        html.Append("<h2 id=\"droits\">Exercer vos droits</h2>\n<p>").Append(Html.E(rights.Text)).Append("</p>\n");
        if (rights.DpoName is null && rights.DpoEmail is null && rights.DpoPostalAddress is null)
        {
            html.Append("<p>Le contact du délégué à la protection des données n'est pas encore renseigné ; adressez-vous à la mairie.</p>\n");
        }
        else
        {
            html.Append("<address>\n").Append(Html.E(rights.DpoName ?? "Délégué à la protection des données")).Append("<br>\n");
            if (rights.DpoEmail is { } email)
            {
                html.Append("<a href=\"mailto:").Append(Html.E(email)).Append("\">").Append(Html.E(email)).Append("</a><br>\n");
            }

            if (rights.DpoPostalAddress is { } postal)
            {
                html.Append(Html.E(postal)).Append('\n');
            }

            html.Append("</address>\n");
        }

        if (rights.RightsUrl is { } url)
        {
            html.Append("<p><a href=\"").Append(Html.E(url)).Append("\">Exercer vos droits auprès de la commune</a></p>\n");
        }

        html.Append("</main>\n<footer><p>Ces informations existent aussi en données ouvertes : <a href=\"/api/public/register\">/api/public/register</a> (JSON).</p></footer>\n");
        return Html.End(html);
    }

    private static void Authorisations(StringBuilder html, IReadOnlyList<PublicAuthorisation> list, TimeZoneInfo zone, string none)
    {
        if (list.Count == 0)
        {
            html.Append("<p>").Append(Html.E(none)).Append("</p>\n");
            return;
        }

        foreach (var a in list)
        {
            html.Append("<article>\n<h3>Arrêté ").Append(Html.E(a.Reference)).Append("</h3>\n<p class=\"status status-").Append(Html.E(a.Status)).Append("\">")
                .Append(Html.E(char.ToUpper(a.StatusLabel[0], Html.French) + a.StatusLabel[1..])).Append("</p>\n<dl>\n");
            Term(html, "Autorité", a.Authority ?? "non renseignée");
            Term(html, "Service", a.Service);
            Term(html, "Finalité", a.Purpose ?? "non renseignée");
            Term(html, "Période", $"du {Html.DateTime(a.StartsAt, zone)} au {Html.DateTime(a.EndsAt, zone)}");
            html.Append("<dt>Événements</dt><dd><ul>");
            foreach (var e in a.Events)
            {
                html.Append("<li>").Append(Html.E(e.Name)).Append("</li>");
            }

            html.Append("</ul></dd>\n");
            if (a.DocumentUrl is { } document)
            {
                html.Append("<dt>Texte de l'arrêté</dt><dd><a href=\"").Append(Html.E(document)).Append("\">consulter l'arrêté</a></dd>\n");
            }

            html.Append("</dl>\n<table>\n<caption>Caméras concernées</caption>\n").Head("Caméra", "Lieu", "État").Append("<tbody>\n");
            foreach (var c in a.Cameras)
            {
                html.Row(Html.E(c.Name), Html.E(c.Place), c.Suspended ? $"<span class=\"suspended\">{Html.E(c.StatusLabel)}</span>" : Html.E(c.StatusLabel.Length == 0 ? "—" : c.StatusLabel));
            }

            html.Append("</tbody>\n</table>\n</article>\n");
        }
    }

    private static void Term(StringBuilder html, string term, string value) =>
        html.Append("<dt>").Append(Html.E(term)).Append("</dt><dd>").Append(Html.E(value)).Append("</dd>\n");
}
