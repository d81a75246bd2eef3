using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.DesiredConfig;

/// <summary>Desired/reported configuration and authorisation log messages (event ids 7100–7199).</summary>
internal static partial class ConfigLog
{
    [LoggerMessage(EventId = 7100, Level = LogLevel.Information, Message = "Running the fleet configuration version {Version} kept in {Path}; the local camera files are not used")]
    public static partial void RunningPersisted(ILogger logger, long version, string path);

    [LoggerMessage(EventId = 7101, Level = LogLevel.Error, Message = "The fleet configuration kept in {Path} cannot run ({Errors}); running the local camera files until the fleet sends a valid one")]
    public static partial void PersistedInvalid(ILogger logger, string path, string errors);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Information, Message = "Running the local camera files ({Cameras} camera(s)); waiting for a fleet configuration on {Topic}")]
    public static partial void RunningLocal(ILogger logger, int cameras, string topic);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Warning, Message = "Development mode: no authorisation windows (Agent:Authorisations is empty); every enabled event runs on the local cameras. A deployment needs a prefectoral authorisation")]
    public static partial void DevelopmentMode(ILogger logger);

    [LoggerMessage(EventId = 7110, Level = LogLevel.Information, Message = "Desired configuration version {Version} applied: {Started} camera(s) started, {Updated} updated live, {Restarted} restarted on a new source, {Stopped} stopped, {Unchanged} unchanged")]
    public static partial void Applied(ILogger logger, long version, int started, int updated, int restarted, int stopped, int unchanged);

    [LoggerMessage(EventId = 7111, Level = LogLevel.Error, Message = "Desired configuration version {Version} rejected, version {Applied} keeps running: {Errors}")]
    public static partial void Rejected(ILogger logger, long? version, string applied, string errors);

    [LoggerMessage(EventId = 7112, Level = LogLevel.Debug, Message = "Desired configuration version {Version} already handled (retained copy on reconnection)")]
    public static partial void AlreadyHandled(ILogger logger, long version);

    [LoggerMessage(EventId = 7113, Level = LogLevel.Error, Message = "Could not keep desired configuration version {Version} in {Path}: {Error}; it runs now but a restart will not find it")]
    public static partial void PersistFailed(ILogger logger, long version, string path, string error);

    [LoggerMessage(EventId = 7114, Level = LogLevel.Information, Message = "Desired configuration cleared on {Topic} (empty retained message); the running configuration stays")]
    public static partial void Cleared(ILogger logger, string topic);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "No signing key is trusted (enrol the device, or set Agent:TrustedSigningKeys): every desired configuration on {Topic} will be refused")]
    public static partial void NoTrustedKeys(ILogger logger, string topic);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Information, Message = "Desired configurations must be signed by one of the trusted key(s) {KeyIds}")]
    public static partial void TrustedKeys(ILogger logger, string keyIds);

    [LoggerMessage(EventId = 7115, Level = LogLevel.Debug, Message = "Refused desired message (sha256 {Sha256}) received again (retained copy); still refused")]
    public static partial void RefusedAgain(ILogger logger, string sha256);

    [LoggerMessage(EventId = 7120, Level = LogLevel.Information, Message = "Event {Event} on camera {CameraId}: authorised until {Until} ({Reference})")]
    public static partial void Authorised(ILogger logger, string @event, string cameraId, string until, string reference);

    [LoggerMessage(EventId = 7121, Level = LogLevel.Warning, Message = "Event {Event} on camera {CameraId} stopped: {Reason}")]
    public static partial void Stopped(ILogger logger, string @event, string cameraId, string reason);

    [LoggerMessage(EventId = 7122, Level = LogLevel.Warning, Message = "Camera {CameraId}: no event authorised now{Next}")]
    public static partial void NothingAuthorised(ILogger logger, string cameraId, string next);
}
