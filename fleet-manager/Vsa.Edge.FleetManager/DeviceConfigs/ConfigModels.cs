using System.Text.Json;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.DeviceConfigs;

/// <summary>Body of <c>PUT /api/devices/{deviceId}/config</c>.</summary>
/// <param name="Cameras">The device's cameras, each a camera document in the agent's camera-file format.</param>
/// <param name="ExpectedVersion">
/// The desired version this change was made from (0 when there was none): the change is refused with 409 if another was
/// accepted since. Omit it to replace whatever is there.
/// </param>
public sealed record DesiredConfigRequest(IReadOnlyList<JsonElement>? Cameras, long? ExpectedVersion = null);

/// <summary>The desired configuration of a device, as published.</summary>
/// <param name="Version">Its version (1, 2, 3…).</param>
/// <param name="IssuedAt">When the fleet accepted it.</param>
/// <param name="IssuedBy">The account whose change produced it (a configuration or an authorisation change).</param>
/// <param name="Cameras">The camera documents.</param>
/// <param name="Authorisations">The authorisation windows sent with it.</param>
public sealed record DesiredConfigView(
    long Version,
    DateTimeOffset IssuedAt,
    string IssuedBy,
    IReadOnlyList<JsonElement> Cameras,
    IReadOnlyList<AuthorisationWindow> Authorisations);

/// <summary>Body of <c>GET /api/devices/{deviceId}/config</c> (and of a successful PUT).</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Desired">What the fleet wants it to run, or null when it was never configured from the fleet.</param>
/// <param name="Reported">What it last said it runs (newest by its own <c>at</c>), or null when it never reported.</param>
/// <param name="ReportedReceivedAt">When the fleet received that report.</param>
/// <param name="Drift">A desired configuration exists and the device does not run it (not reported, other version, rejected).</param>
/// <param name="DriftReasons">Why, one line each; empty without drift.</param>
/// <param name="PublishedVersion">Desired version this fleet-manager process has handed to the broker (null: not yet since start).</param>
public sealed record DeviceConfigView(
    string DeviceId,
    DesiredConfigView? Desired,
    ReportedConfigMessage? Reported,
    DateTimeOffset? ReportedReceivedAt,
    bool Drift,
    IReadOnlyList<string> DriftReasons,
    long? PublishedVersion);

/// <summary>
/// Body of <c>GET /api/devices/{deviceId}/cameras/{cameraId}/layout</c>: the geometry the console draws over a camera. Never
/// the camera's source address, which may hold credentials.
/// </summary>
/// <param name="DeviceId">The device.</param>
/// <param name="CameraId">The camera.</param>
/// <param name="Source"><c>reported</c> (what runs) or <c>desired</c> (what the fleet asked, when the device has not reported that camera).</param>
/// <param name="Zones">Zones, normalised coordinates.</param>
/// <param name="Lines">Lines, normalised coordinates.</param>
/// <param name="PrivacyMasks">Privacy masks, normalised coordinates.</param>
/// <param name="PublicName">The camera's public name (the public register's), if it has one.</param>
/// <param name="Place">The camera's public place, if it has one.</param>
/// <param name="DisplayName">The camera's display name on the console, if its document has one.</param>
/// <param name="VmsName">Its name in the city's video management software, if given.</param>
/// <param name="VmsLinkTemplate">The link template of that software, if given.</param>
public sealed record CameraLayout(
    string DeviceId,
    string CameraId,
    string Source,
    IReadOnlyList<ZoneLayout> Zones,
    IReadOnlyList<LineLayout> Lines,
    IReadOnlyList<MaskLayout> PrivacyMasks,
    string? PublicName = null,
    string? Place = null,
    string? DisplayName = null,
    string? VmsName = null,
    string? VmsLinkTemplate = null);

/// <summary>A zone of a <see cref="CameraLayout"/>.</summary>
/// <param name="Id">Zone id.</param>
/// <param name="Name">Human-readable name, if any.</param>
/// <param name="Polygon">Vertices as [x, y] in [0, 1].</param>
public sealed record ZoneLayout(string Id, string? Name, IReadOnlyList<double[]> Polygon);

/// <summary>A line of a <see cref="CameraLayout"/>.</summary>
/// <param name="Id">Line id.</param>
/// <param name="Name">Human-readable name, if any.</param>
/// <param name="Points">A then B, as [x, y] in [0, 1].</param>
/// <param name="Forbidden">Forbidden crossing: <c>left_to_right</c>, <c>right_to_left</c> or <c>both</c> (the default).</param>
public sealed record LineLayout(string Id, string? Name, IReadOnlyList<double[]> Points, string Forbidden);

/// <summary>A privacy mask of a <see cref="CameraLayout"/>.</summary>
/// <param name="Id">Mask id, if any.</param>
/// <param name="Polygon">Vertices as [x, y] in [0, 1].</param>
public sealed record MaskLayout(string? Id, IReadOnlyList<double[]> Polygon);
