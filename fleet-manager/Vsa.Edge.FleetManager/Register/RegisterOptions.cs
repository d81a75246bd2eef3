using System.ComponentModel.DataAnnotations;
using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Register;

/// <summary>
/// The public register (<c>GET /registre</c>, <c>GET /api/public/register</c>), section <c>Fleet:Register</c>: who is
/// responsible for the processing and how a person exercises their rights (RGPD arts. 13–21; loi 2023-380 art. 10 II,
/// information of the public). Every text here is shown to anyone on the internet.
/// </summary>
public sealed class RegisterOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Register";

    /// <summary>The controller, as the public knows it (for example "Ville de Lyon"). Default empty: the page says "la commune".</summary>
    [StringLength(200)]
    public string Controller { get; set; } = string.Empty;

    /// <summary>The data protection officer's name or office (for example "Délégué à la protection des données"). Default empty.</summary>
    [StringLength(200)]
    public string DpoName { get; set; } = string.Empty;

    /// <summary>The DPO's e-mail address (a plain address, no display name). Default empty; one of it and <see cref="DpoPostalAddress"/> should be set.</summary>
    [StringLength(254)]
    public string DpoEmail { get; set; } = string.Empty;

    /// <summary>The DPO's postal address, one line. Default empty.</summary>
    [StringLength(300)]
    public string DpoPostalAddress { get; set; } = string.Empty;

    /// <summary>A page of the city on exercising one's rights (https only). Default none.</summary>
    public Uri? RightsUrl { get; set; }

    /// <summary>Days an ended authorisation stays listed under "terminées". Default 90; 0 lists none.</summary>
    [Range(0, 3650)]
    public int RecentlyEndedDays { get; set; } = 90;

    /// <summary>
    /// How long the page and its JSON are served from memory before they are rebuilt (and the <c>max-age</c> browsers and proxies
    /// get). Default 60 s: a suspension shows within a minute, and a flood of requests costs one database read per minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Requests per minute one client address may make to the register; the excess is answered 429. Default 120.</summary>
    [Range(1, 100_000)]
    public int RequestsPerMinute { get; set; } = 120;

    /// <summary>IANA time zone the dates of the register are shown in. Default <c>Europe/Paris</c>.</summary>
    [Required]
    public string TimeZone { get; set; } = "Europe/Paris";

    /// <summary>Whether a DPO contact (e-mail or postal address) is configured.</summary>
    public bool HasDpoContact => DpoEmail.Length > 0 || DpoPostalAddress.Length > 0;
}

/// <summary>Cross-field and format rules of <see cref="RegisterOptions"/>.</summary>
internal sealed class RegisterOptionsValidator : IValidateOptions<RegisterOptions>
{
    public ValidateOptionsResult Validate(string? name, RegisterOptions options)
    {
        var failures = new List<string>();
        if (options.DpoEmail.Length > 0 && !IsPlainAddress(options.DpoEmail))
        {
            failures.Add($"{RegisterOptions.SectionName}:DpoEmail '{options.DpoEmail}' is not a plain e-mail address (name@example.org).");
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone ?? string.Empty, out _))
        {
            failures.Add($"{RegisterOptions.SectionName}:TimeZone '{options.TimeZone}' is not a time zone of this system (an IANA name such as Europe/Paris).");
        }

        if (options.RightsUrl is { } url && (!url.IsAbsoluteUri || url.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{RegisterOptions.SectionName}:RightsUrl must be an absolute https address.");
        }

        foreach (var (field, value) in new[] { ("Controller", options.Controller), ("DpoName", options.DpoName), ("DpoEmail", options.DpoEmail), ("DpoPostalAddress", options.DpoPostalAddress) })
        {
            if (value.Any(char.IsControl))
            {
                failures.Add($"{RegisterOptions.SectionName}:{field} contains a control character (one line of plain text).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsPlainAddress(string text) =>
        MailAddress.TryCreate(text, out var address) && string.Equals(address.Address, text, StringComparison.Ordinal) && address.DisplayName.Length == 0;
}
