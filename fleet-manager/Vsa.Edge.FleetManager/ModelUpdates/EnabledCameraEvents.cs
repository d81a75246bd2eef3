using System.Text.Json;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.ModelUpdates;

/// <summary>One enabled event of a camera, with its parsed type.</summary>
/// <param name="Camera">The camera it is configured on.</param>
/// <param name="Event">The event as configured.</param>
/// <param name="Type">Its type.</param>
public readonly record struct EnabledCameraEvent(CameraConfig Camera, EventConfig Event, EventType Type);

/// <summary>The walk the model checks share: the enabled events, of a known type, of a device's stored camera documents.</summary>
public static class EnabledCameraEvents
{
    /// <summary>
    /// Every enabled event of a known type in <paramref name="cameras"/>, in document order. A document that does not parse is
    /// passed over: it was validated when it was stored, and the agent refuses it on its own anyway.
    /// </summary>
    public static IEnumerable<EnabledCameraEvent> Of(IReadOnlyList<JsonElement> cameras)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        return Walk(cameras);
    }

    private static IEnumerable<EnabledCameraEvent> Walk(IReadOnlyList<JsonElement> cameras)
    {
        foreach (var document in cameras)
        {
            CameraConfig camera;
            try
            {
                camera = CameraConfigLoader.Parse(document.GetRawText());
            }
            catch (CameraConfigException)
            {
                continue;
            }

            foreach (var ev in camera.Events ?? [])
            {
                if (ev.Enabled && EventTypes.TryParse(ev.Type, out var type))
                {
                    yield return new EnabledCameraEvent(camera, ev, type);
                }
            }
        }
    }
}
