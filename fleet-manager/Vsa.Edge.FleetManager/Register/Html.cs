using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using System.Text;

namespace Vsa.Edge.FleetManager.Register;

/// <summary>
/// Small helpers for the server-rendered documents (the public register, the AIPD, the evaluation report): every text is
/// encoded, dates are French. No script, no inline style in what the fleet serves (its Content-Security-Policy forbids both).
/// </summary>
public static class Html
{
    /// <summary>
    /// French formatting: month names, decimal comma, narrow no-break space between thousands. Built on the invariant culture
    /// because the fleet runs with invariant globalization (no ICU culture data to load).
    /// </summary>
    public static readonly CultureInfo French = CreateFrench();

    private static CultureInfo CreateFrench()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        string[] months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre", string.Empty];
        culture.DateTimeFormat.MonthNames = months;
        culture.DateTimeFormat.MonthGenitiveNames = months;
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = "\u202F";
        culture.NumberFormat.PercentDecimalSeparator = ",";
        return CultureInfo.ReadOnly(culture);
    }

    // Every letter as itself (the page is UTF-8): WebUtility would write "é" as "&#233;", three times the bytes.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>HTML-encodes <paramref name="text"/> (null: empty): &lt;, &gt;, &amp;, quotes, and what is not a letter of any script.</summary>
    public static string E(string? text) => Encoder.Encode(text ?? string.Empty);

    /// <summary>A date and time in <paramref name="zone"/>, French ("7 décembre 2026 à 09:30").</summary>
    public static string DateTime(DateTimeOffset at, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(at, zone).ToString("d MMMM yyyy 'à' HH:mm", French);

    /// <summary>A number, French ("12 345", "0,87").</summary>
    public static string Number(double value, string format = "0.##") => value.ToString(format, French);

    /// <summary>Opens a document: doctype, French, title, the stylesheet (a link, or inline for a file read without the fleet).</summary>
    public static StringBuilder Start(string title, string? stylesheetHref, string? inlineCss)
    {
        var html = new StringBuilder(16 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E(title)).Append("</title>\n");
        if (stylesheetHref is not null)
        {
            html.Append("<link rel=\"stylesheet\" href=\"").Append(E(stylesheetHref)).Append("\">\n");
        }

        if (inlineCss is not null)
        {
            html.Append("<style>\n").Append(inlineCss).Append("</style>\n");
        }

        return html.Append("</head>\n<body>\n");
    }

    /// <summary>Closes a document.</summary>
    public static string End(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        return html.Append("</body>\n</html>\n").ToString();
    }

    /// <summary>A table row of already-encoded cells, the first a row header.</summary>
    public static StringBuilder Row(this StringBuilder html, params string[] encodedCells)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(encodedCells);
        html.Append("<tr>");
        for (var i = 0; i < encodedCells.Length; i++)
        {
            html.Append(i == 0 ? "<th scope=\"row\">" : "<td>").Append(encodedCells[i]).Append(i == 0 ? "</th>" : "</td>");
        }

        return html.Append("</tr>\n");
    }

    /// <summary>A table header row of plain texts.</summary>
    public static StringBuilder Head(this StringBuilder html, params string[] texts)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(texts);
        html.Append("<thead><tr>");
        foreach (var text in texts)
        {
            html.Append("<th scope=\"col\">").Append(E(text)).Append("</th>");
        }

        return html.Append("</tr></thead>\n");
    }
}
