using System.Text.RegularExpressions;

namespace Vsa.Edge.Configuration;

/// <summary>
/// Checks the names an operator reads on the console (<c>displayName</c>, <c>vmsName</c>) and the link template of the
/// city's video management software (<c>vmsLinkTemplate</c>). The agent does not use them; the fleet serves them to the
/// console with the camera's layout, so they are bounded and checked here, where every camera document is validated.
/// </summary>
public static partial class CameraNamesValidator
{
    /// <summary>Longest display name or VMS name.</summary>
    public const int MaxNameLength = 120;

    /// <summary>Longest link template.</summary>
    public const int MaxTemplateLength = 1000;

    /// <summary>The placeholders a link template may use (the console fills them, URL-encoded).</summary>
    public static IReadOnlyList<string> Placeholders { get; } = ["vmsName", "cameraId", "deviceId", "startUtc", "startUnix", "date", "time"];

    /// <summary>Adds one error per problem, prefixed with the field name.</summary>
    public static void Validate(CameraConfig config, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(errors);
        CheckName("displayName", config.DisplayName, errors);
        CheckName("vmsName", config.VmsName, errors);
        if (config.VmsLinkTemplate is not { } template)
        {
            return;
        }

        if (template.Length > MaxTemplateLength)
        {
            errors.Add($"vmsLinkTemplate: longer than {MaxTemplateLength} characters");
            return;
        }

        var sample = Placeholder().Replace(template, "x");
        if (!Uri.TryCreate(sample, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add("vmsLinkTemplate: must be an absolute http:// or https:// link (for example https://vms.ville.fr/replay?camera={vmsName}&from={startUtc})");
        }
        else if (uri.UserInfo.Length > 0)
        {
            errors.Add("vmsLinkTemplate: must not carry a user name or password (operators' browsers would show it)");
        }

        foreach (Match match in Placeholder().Matches(template))
        {
            var name = match.Groups[1].Value;
            if (!Placeholders.Contains(name, StringComparer.Ordinal))
            {
                errors.Add($"vmsLinkTemplate: unknown placeholder {{{name}}} (known: {string.Join(", ", Placeholders.Select(p => $"{{{p}}}"))})");
            }
        }
    }

    private static void CheckName(string field, string? value, List<string> errors)
    {
        if (value is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{field}: empty; leave it out instead");
        }
        else if (value.Length > MaxNameLength)
        {
            errors.Add($"{field}: longer than {MaxNameLength} characters");
        }
        else if (value.Any(char.IsControl))
        {
            errors.Add($"{field}: contains a control character");
        }
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();
}
