using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Detection;

/// <summary>Turns raw model outputs into frame-normalised detections (before NMS).</summary>
public interface IDetectionDecoder
{
    /// <summary>Appends every candidate whose score reaches <paramref name="scoreThreshold"/> to <paramref name="results"/>; the caller clears it.</summary>
    void Decode(IReadOnlyList<OutputTensor> outputs, in InputTransform transform, float scoreThreshold, List<Detection> results);
}

/// <summary>Builds the decoder a manifest asks for.</summary>
public static class DetectionDecoders
{
    /// <summary>Decoder for <see cref="ModelOutput.Decoder"/>.</summary>
    public static IDetectionDecoder Create(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.Output.Decoder switch
        {
            DecoderKind.NanoDetGfl => new NanoDetDecoder(manifest.Input.Width, manifest.Input.Height, manifest.Output.Strides, manifest.Output.RegMax, manifest.Labels.Count),
            DecoderKind.YoloV8 => new YoloV8Decoder(manifest.Labels.Count),
            _ => throw new NotSupportedException($"Decoder '{manifest.Output.Decoder}' is not implemented."),
        };
    }
}
