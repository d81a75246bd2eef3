namespace Vsa.Edge.Agent.Core.Detection;

/// <summary>
/// How a frame was fitted to the model input, so boxes in input pixels map back to the frame:
/// <c>frameX = (inputX − PadX) / ScaleX</c>.
/// </summary>
/// <param name="FrameWidth">Frame width in pixels.</param>
/// <param name="FrameHeight">Frame height in pixels.</param>
/// <param name="InputWidth">Model input width in pixels.</param>
/// <param name="InputHeight">Model input height in pixels.</param>
/// <param name="ScaleX">Input pixels per frame pixel, horizontally.</param>
/// <param name="ScaleY">Input pixels per frame pixel, vertically.</param>
/// <param name="PadX">Input pixels of padding on the left.</param>
/// <param name="PadY">Input pixels of padding on the top.</param>
public readonly record struct InputTransform(
    int FrameWidth, int FrameHeight, int InputWidth, int InputHeight, float ScaleX, float ScaleY, float PadX, float PadY)
{
    /// <summary>Plain resize of the whole frame to the input (aspect ratio not kept).</summary>
    public static InputTransform Stretch(int frameW, int frameH, int inW, int inH)
    {
        CheckSizes(frameW, frameH, inW, inH);
        return new(frameW, frameH, inW, inH, (float)inW / frameW, (float)inH / frameH, 0f, 0f);
    }

    /// <summary>Resize keeping the aspect ratio, centred, the rest padded.</summary>
    public static InputTransform Letterbox(int frameW, int frameH, int inW, int inH)
    {
        CheckSizes(frameW, frameH, inW, inH);
        var scale = MathF.Min((float)inW / frameW, (float)inH / frameH);

        // The padding is what the pre-processing actually leaves: the resized size is rounded to whole pixels.
        var resizedW = (int)MathF.Round(frameW * scale);
        var resizedH = (int)MathF.Round(frameH * scale);
        return new(frameW, frameH, inW, inH, scale, scale, (inW - resizedW) / 2, (inH - resizedH) / 2);
    }

    /// <summary>Size of the frame content inside the input, in input pixels (whole input for a stretch).</summary>
    public (int Width, int Height) ContentSize => ((int)MathF.Round(FrameWidth * ScaleX), (int)MathF.Round(FrameHeight * ScaleY));

    /// <summary>Maps corners in input pixels to a frame-normalised box, clamped to [0, 1].</summary>
    public NormBox ToFrame(float x0, float y0, float x1, float y1)
    {
        var nx0 = Clamp01((x0 - PadX) / ScaleX / FrameWidth);
        var ny0 = Clamp01((y0 - PadY) / ScaleY / FrameHeight);
        var nx1 = Clamp01((x1 - PadX) / ScaleX / FrameWidth);
        var ny1 = Clamp01((y1 - PadY) / ScaleY / FrameHeight);
        return NormBox.FromCorners(nx0, ny0, MathF.Max(nx0, nx1), MathF.Max(ny0, ny1));
    }

    private static float Clamp01(float v) => v < 0f ? 0f : v > 1f ? 1f : float.IsNaN(v) ? 0f : v;

    private static void CheckSizes(int frameW, int frameH, int inW, int inH)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameW);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameH);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inW);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inH);
    }
}
