using System.Diagnostics.CodeAnalysis;

namespace Vsa.Edge.FleetManager.Suspensions;

/// <summary>A suspension request that passed <c>SuspensionRules.TryValidate</c>: only the fields its scope uses are set.</summary>
/// <param name="Scope">What it covers.</param>
/// <param name="Site">The site (scope site).</param>
/// <param name="DeviceId">The device (scope device, camera).</param>
/// <param name="CameraId">The camera (scope camera).</param>
/// <param name="Reason">The trimmed reason.</param>
public sealed record ValidSuspension(SuspensionScope Scope, string? Site, string? DeviceId, string? CameraId, string Reason);

/// <summary>Checks suspension and resumption requests; each error names the field at fault.</summary>
public static class SuspensionRules
{
    /// <summary>Shortest reason accepted (a reason is mandatory: "x" is not one).</summary>
    public const int MinReasonLength = 3;

    /// <summary>Longest reason accepted.</summary>
    public const int MaxReasonLength = 500;

    /// <summary>Longest site, device or camera id accepted.</summary>
    public const int MaxIdLength = 128;

    /// <summary>Validates <paramref name="request"/>; on failure <paramref name="errors"/> maps each field to what is wrong with it.</summary>
    public static bool TryValidate(SuspensionRequest? request, [NotNullWhen(true)] out ValidSuspension? valid, out Dictionary<string, string[]> errors)
    {
        errors = [];
        valid = null;
        if (request is null)
        {
            errors["body"] = ["A JSON body is required: {\"scope\": \"camera|device|site|global\", \"reason\": \"…\", …}."];
            return false;
        }

        var reason = CheckReason(request.Reason, errors);
        var scope = request.Scope;
        if (scope is null)
        {
            errors["scope"] = ["The scope is required: camera, device, site or global."];
            return false;
        }

        var site = Id(request.Site, "site", required: scope == SuspensionScope.Site, errors);
        var device = Id(request.DeviceId, "deviceId", required: scope is SuspensionScope.Device or SuspensionScope.Camera, errors);
        var camera = Id(request.CameraId, "cameraId", required: scope == SuspensionScope.Camera, errors);
        Unused(scope != SuspensionScope.Site && site is not null, "site", scope.Value, errors);
        Unused(scope is SuspensionScope.Site or SuspensionScope.Global && device is not null, "deviceId", scope.Value, errors);
        Unused(scope != SuspensionScope.Camera && camera is not null, "cameraId", scope.Value, errors);
        if (errors.Count > 0)
        {
            return false;
        }

        valid = new ValidSuspension(scope.Value, site, device, camera, reason!);
        return true;
    }

    /// <summary>Validates a resumption; on failure <paramref name="errors"/> says what is wrong.</summary>
    public static bool TryValidate(ResumeRequest? request, [NotNullWhen(true)] out string? reason, out Dictionary<string, string[]> errors)
    {
        errors = [];
        reason = CheckReason(request?.Reason, errors);
        return reason is not null;
    }

    private static string? CheckReason(string? value, Dictionary<string, string[]> errors)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length < MinReasonLength || trimmed.Length > MaxReasonLength)
        {
            errors["reason"] = [$"A reason is mandatory: {MinReasonLength} to {MaxReasonLength} characters saying why."];
            return null;
        }

        return trimmed;
    }

    private static string? Id(string? value, string field, bool required, Dictionary<string, string[]> errors)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            if (required)
            {
                errors[field] = [$"'{field}' is required for this scope."];
            }

            return null;
        }

        if (trimmed.Length > MaxIdLength || trimmed.Any(c => char.IsControl(c) || c is '/' or '+' or '#'))
        {
            errors[field] = [$"'{field}' must be at most {MaxIdLength} characters, without control characters, '/', '+' or '#'."];
            return null;
        }

        return trimmed;
    }

    private static void Unused(bool given, string field, SuspensionScope scope, Dictionary<string, string[]> errors)
    {
        if (given && !errors.ContainsKey(field))
        {
            errors[field] = [$"'{field}' does not apply to scope '{SuspensionStore.ScopeName(scope)}'."];
        }
    }
}
