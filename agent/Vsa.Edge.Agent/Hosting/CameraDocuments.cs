using System.Text.Json;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>Camera documents as the worker runs and reports them: sources resolved, passwords redacted.</summary>
internal static class CameraDocuments
{
    // The layout the console draws; a password in a camera URL never leaves the device.
    public static JsonElement ReportedDocument(CameraConfig camera) =>
        CameraConfigLoader.ToDocument(camera with { Source = FrameSourceSpec.Redact(camera.Source) });

    // A relative file source is relative to its camera file, not to wherever the agent was started.
    public static CameraConfig ResolveFile(CameraConfig camera, string cameraPath) => Resolve(camera, Path.GetDirectoryName(cameraPath)!);

    // A fleet camera's relative file source is relative to the agent's configuration folder.
    public static CameraConfig ResolveFleet(CameraConfig camera, string baseDirectory) => Resolve(camera, baseDirectory);

    private static CameraConfig Resolve(CameraConfig camera, string directory)
    {
        var spec = FrameSourceSpec.Parse(camera.Source);
        return spec.Kind == FrameSourceKind.File && !Path.IsPathRooted(spec.Source)
            ? camera with { Source = Path.GetFullPath(spec.Source, directory) }
            : camera;
    }
}
