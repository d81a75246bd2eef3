namespace Vsa.Edge.FleetManager.Register;

/// <summary>
/// The public register (<c>GET /api/public/register</c>): what the public may know of the processing, and nothing a device
/// or a person could be identified or reached by (no device or camera id, no address, no account).
/// </summary>
/// <param name="Controller">Who is responsible (the city), or "la commune" when not configured.</param>
/// <param name="GeneratedAt">When this register was built (it is served from a cache for a short while).</param>
/// <param name="InForce">Authorisations not ended yet (running, suspended or upcoming), by start.</param>
/// <param name="RecentlyEnded">Authorisations ended within the configured number of days, latest first.</param>
/// <param name="Retention">How long what is kept is kept.</param>
/// <param name="Rights">How a person exercises their rights.</param>
public sealed record PublicRegister(
    string Controller,
    DateTimeOffset GeneratedAt,
    IReadOnlyList<PublicAuthorisation> InForce,
    IReadOnlyList<PublicAuthorisation> RecentlyEnded,
    PublicRetention Retention,
    PublicRights Rights);

/// <summary>One authorisation as the public sees it.</summary>
/// <param name="Reference">The arrêté's reference.</param>
/// <param name="Authority">Who signed it, if recorded.</param>
/// <param name="Service">The service it authorises.</param>
/// <param name="Purpose">Its purpose, if recorded.</param>
/// <param name="Events">The events it authorises.</param>
/// <param name="Cameras">The cameras it covers, by public name and place.</param>
/// <param name="StartsAt">Start, inclusive.</param>
/// <param name="EndsAt">End, exclusive.</param>
/// <param name="Status"><c>running</c>, <c>partially_suspended</c>, <c>suspended</c>, <c>upcoming</c> or <c>ended</c>.</param>
/// <param name="StatusLabel">The status in French.</param>
/// <param name="DocumentUrl">Where the published arrêté can be read, if recorded.</param>
public sealed record PublicAuthorisation(
    string Reference,
    string? Authority,
    string Service,
    string? Purpose,
    IReadOnlyList<PublicEvent> Events,
    IReadOnlyList<PublicCamera> Cameras,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string Status,
    string StatusLabel,
    string? DocumentUrl);

/// <summary>An event as the public sees it.</summary>
/// <param name="Type">Wire name (<c>intrusion</c>).</param>
/// <param name="Name">French name.</param>
/// <param name="Definition">What it means, in French.</param>
public sealed record PublicEvent(string Type, string Name, string Definition);

/// <summary>A camera as the public sees it: never its technical id.</summary>
/// <param name="Name">Its public name, or a neutral placeholder ("Caméra 2").</param>
/// <param name="Place">Its public place, or "lieu non renseigné".</param>
/// <param name="Suspended">Whether its analysis is suspended now.</param>
/// <param name="StatusLabel">"analyse en service", "analyse suspendue", or empty outside the authorisation's period.</param>
public sealed record PublicCamera(string Name, string Place, bool Suspended, string StatusLabel);

/// <summary>Retention periods.</summary>
/// <param name="Images">What becomes of images (none is recorded or sent by the analysis).</param>
/// <param name="AlertsDays">Days an alert (metadata and the operator's decision) is kept.</param>
/// <param name="LogsDays">Days device health records are kept.</param>
/// <param name="AuditLog">What becomes of the audit log.</param>
public sealed record PublicRetention(string Images, int AlertsDays, int LogsDays, string AuditLog);

/// <summary>How a person exercises their rights.</summary>
/// <param name="DpoName">The DPO's name or office, if configured.</param>
/// <param name="DpoEmail">The DPO's e-mail address, if configured.</param>
/// <param name="DpoPostalAddress">The DPO's postal address, if configured.</param>
/// <param name="RightsUrl">The city's page on rights, if configured.</param>
/// <param name="Text">What a person may ask and where to complain, in French.</param>
public sealed record PublicRights(string? DpoName, string? DpoEmail, string? DpoPostalAddress, string? RightsUrl, string Text);
