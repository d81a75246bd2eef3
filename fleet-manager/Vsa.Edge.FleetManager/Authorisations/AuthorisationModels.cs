using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Authorisations;

/// <summary>A camera of a device, as an authorisation names it.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="CameraId">The camera on that device.</param>
public sealed record AuthorisedCamera(string DeviceId, string CameraId);

/// <summary>Body of <c>POST /api/authorisations</c> and <c>PUT /api/authorisations/{id}</c>.</summary>
/// <param name="Reference">The arrêté's reference as published (for example <c>2026-DPG-0412</c>); unique.</param>
/// <param name="Service">The service it authorises (for example "Police municipale de Lyon").</param>
/// <param name="Events">Event types it authorises (wire names: <c>intrusion</c>, <c>crowd_density</c>, …).</param>
/// <param name="Cameras">The cameras it covers.</param>
/// <param name="StartsAt">First instant, inclusive.</param>
/// <param name="EndsAt">End, exclusive: the analysis stops at this instant.</param>
/// <param name="DocumentUrl">Where the published arrêté can be read (optional, http or https).</param>
/// <param name="Authority">Who signed it (for example "Préfet du Rhône"); optional, shown in the public register and the AIPD.</param>
/// <param name="Purpose">The purpose it states (for example "sécurité de la Fête des Lumières"); optional, same.</param>
public sealed record AuthorisationRequest(
    string? Reference,
    string? Service,
    IReadOnlyList<string>? Events,
    IReadOnlyList<AuthorisedCamera>? Cameras,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt,
    string? DocumentUrl = null,
    string? Authority = null,
    string? Purpose = null);

/// <summary>A stored prefectoral authorisation (arrêté).</summary>
/// <param name="Id">The fleet's id.</param>
/// <param name="Reference">The arrêté's reference.</param>
/// <param name="Service">The service it authorises.</param>
/// <param name="Events">Event types it authorises.</param>
/// <param name="Cameras">The cameras it covers.</param>
/// <param name="StartsAt">First instant, inclusive.</param>
/// <param name="EndsAt">End, exclusive.</param>
/// <param name="DocumentUrl">Where the arrêté can be read.</param>
/// <param name="CreatedBy">Account that recorded it.</param>
/// <param name="CreatedAt">When it was recorded.</param>
/// <param name="UpdatedBy">Account that changed it last.</param>
/// <param name="UpdatedAt">When it was changed last.</param>
/// <param name="Authority">Who signed it, when recorded.</param>
/// <param name="Purpose">The purpose it states, when recorded.</param>
public sealed record AuthorisationView(
    long Id,
    string Reference,
    string Service,
    IReadOnlyList<string> Events,
    IReadOnlyList<AuthorisedCamera> Cameras,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string? DocumentUrl,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    string UpdatedBy,
    DateTimeOffset UpdatedAt,
    string? Authority = null,
    string? Purpose = null)
{
    /// <summary>Whether it covers <paramref name="eventType"/> on the camera at <paramref name="at"/>.</summary>
    public bool Covers(string deviceId, string cameraId, string eventType, DateTimeOffset at) =>
        at >= StartsAt && at < EndsAt && Names(deviceId, cameraId) && Events.Contains(eventType, StringComparer.Ordinal);

    /// <summary>Whether it names the camera (whatever the dates and events).</summary>
    public bool Names(string deviceId, string cameraId) =>
        Cameras.Any(c => string.Equals(c.DeviceId, deviceId, StringComparison.Ordinal) && string.Equals(c.CameraId, cameraId, StringComparison.Ordinal));

    /// <summary>Whether it names any camera of <paramref name="deviceId"/>.</summary>
    public bool NamesDevice(string deviceId) => Cameras.Any(c => string.Equals(c.DeviceId, deviceId, StringComparison.Ordinal));

    /// <summary>The window a device enforces: this authorisation restricted to that device's cameras.</summary>
    public AuthorisationWindow WindowFor(string deviceId) => new(
        Reference,
        Service,
        Events,
        [.. Cameras.Where(c => string.Equals(c.DeviceId, deviceId, StringComparison.Ordinal)).Select(c => c.CameraId).Distinct(StringComparer.Ordinal)],
        StartsAt,
        EndsAt);
}

/// <summary>A checked <see cref="AuthorisationRequest"/>, trimmed, with every field present.</summary>
/// <param name="Reference">The reference.</param>
/// <param name="Service">The service.</param>
/// <param name="Events">Distinct known event types.</param>
/// <param name="Cameras">Distinct cameras.</param>
/// <param name="StartsAt">Start.</param>
/// <param name="EndsAt">End, after the start.</param>
/// <param name="DocumentUrl">The document's address, or null.</param>
/// <param name="Authority">Who signed it, or null.</param>
/// <param name="Purpose">Its purpose, or null.</param>
public sealed record ValidAuthorisation(
    string Reference,
    string Service,
    IReadOnlyList<string> Events,
    IReadOnlyList<AuthorisedCamera> Cameras,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string? DocumentUrl,
    string? Authority = null,
    string? Purpose = null);

/// <summary>Checks an <see cref="AuthorisationRequest"/>; the errors are keyed by field (<c>events[1]</c>, <c>endsAt</c>).</summary>
public static class AuthorisationRules
{
    /// <summary>Longest reference, service, authority, device or camera id.</summary>
    public const int MaxLength = 256;

    /// <summary>Longest purpose.</summary>
    public const int MaxPurposeLength = 1000;

    /// <summary>Validates; on success <paramref name="valid"/> is the trimmed request.</summary>
    public static bool TryValidate(AuthorisationRequest? request, out ValidAuthorisation? valid, out Dictionary<string, string[]> errors)
    {
        errors = [];
        valid = null;
        if (request is null)
        {
            errors["$"] = ["The body must be an authorisation."];
            return false;
        }

        var reference = Text(request.Reference, "reference", errors);
        var service = Text(request.Service, "service", errors);
        var events = new List<string>();
        if (request.Events is not { Count: > 0 })
        {
            errors["events"] = ["events must list at least one event type."];
        }
        else
        {
            for (var i = 0; i < request.Events.Count; i++)
            {
                var name = request.Events[i];
                if (!EventTypes.TryParse(name, out _))
                {
                    errors[$"events[{i}]"] = [$"'{name}' is not an event type; expected one of {EventTypes.AllNames}."];
                }
                else if (!events.Contains(name, StringComparer.Ordinal))
                {
                    events.Add(name);
                }
            }
        }

        var cameras = new List<AuthorisedCamera>();
        if (request.Cameras is not { Count: > 0 })
        {
            errors["cameras"] = ["cameras must list at least one {deviceId, cameraId}."];
        }
        else
        {
            for (var i = 0; i < request.Cameras.Count; i++)
            {
                var camera = request.Cameras[i];
                var deviceId = Id(camera?.DeviceId, $"cameras[{i}].deviceId", errors);
                var cameraId = Id(camera?.CameraId, $"cameras[{i}].cameraId", errors);
                if (deviceId is not null && cameraId is not null && !cameras.Contains(new AuthorisedCamera(deviceId, cameraId)))
                {
                    cameras.Add(new AuthorisedCamera(deviceId, cameraId));
                }
            }
        }

        if (request.StartsAt is null)
        {
            errors["startsAt"] = ["startsAt is required (ISO 8601 with an offset)."];
        }

        if (request.EndsAt is null)
        {
            errors["endsAt"] = ["endsAt is required (ISO 8601 with an offset)."];
        }
        else if (request.StartsAt is { } start && request.EndsAt <= start)
        {
            errors["endsAt"] = [$"endsAt ({request.EndsAt:O}) must be after startsAt ({start:O})."];
        }

        string? documentUrl = null;
        if (!string.IsNullOrWhiteSpace(request.DocumentUrl))
        {
            documentUrl = request.DocumentUrl.Trim();
            if (!Uri.TryCreate(documentUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                errors["documentUrl"] = ["documentUrl must be an absolute http or https address."];
            }
        }

        var authority = OptionalText(request.Authority, "authority", MaxLength, errors);
        var purpose = OptionalText(request.Purpose, "purpose", MaxPurposeLength, errors);
        if (errors.Count > 0)
        {
            return false;
        }

        valid = new ValidAuthorisation(reference!, service!, events, cameras, request.StartsAt!.Value, request.EndsAt!.Value, documentUrl, authority, purpose);
        return true;
    }

    private static string? Text(string? value, string field, Dictionary<string, string[]> errors)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxLength)
        {
            errors[field] = [$"{field} is required, at most {MaxLength} characters."];
            return null;
        }

        return trimmed;
    }

    /// <summary>Null when absent or blank; trimmed text otherwise, without control characters (it is shown to the public).</summary>
    private static string? OptionalText(string? value, string field, int maxLength, Dictionary<string, string[]> errors)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        if (trimmed.Length > maxLength || trimmed.Any(c => char.IsControl(c) && c != '\n'))
        {
            errors[field] = [$"{field} must be at most {maxLength} characters, without control characters other than line breaks."];
            return null;
        }

        return trimmed;
    }

    private static string? Id(string? value, string field, Dictionary<string, string[]> errors)
    {
        var id = Text(value, field, errors);
        if (id is not null && id.AsSpan().IndexOfAny("/+#\0") >= 0)
        {
            errors[field] = [$"{field} contains a character reserved by MQTT topics."];
            return null;
        }

        return id;
    }
}
