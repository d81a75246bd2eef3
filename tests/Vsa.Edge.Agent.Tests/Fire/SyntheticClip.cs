using OpenCvSharp;

namespace Vsa.Edge.Agent.Tests.Fire;

/// <summary>
/// Renders short test clips with OpenCV's <see cref="VideoWriter"/> (Motion-JPEG in AVI, which every OpenCV build can
/// write and read back): a noisy dusk scene and whatever the test draws on it per frame. JPEG compression and the
/// per-frame sensor noise are part of the point: the detector must cope with both.
/// </summary>
internal static class SyntheticClip
{
    public const int Width = 320;
    public const int Height = 240;
    public const double Fps = 10;

    /// <summary>Writes <paramref name="frames"/> frames to <paramref name="path"/>; <paramref name="draw"/> gets the frame index, its time in seconds and a random source.</summary>
    public static void Write(string path, int frames, Action<Mat, int, double, Random> draw, int seed = 1)
    {
        var random = new Random(seed);
        using var writer = new VideoWriter(path, FourCC.MJPG, Fps, new Size(Width, Height));
        Assert.True(writer.IsOpened(), "OpenCV cannot write Motion-JPEG AVI here");
        using var frame = new Mat(Height, Width, MatType.CV_8UC3);
        using var up = new Mat(Height, Width, MatType.CV_8UC3);
        using var down = new Mat(Height, Width, MatType.CV_8UC3);
        for (var i = 0; i < frames; i++)
        {
            // Dusk: a dark bluish-grey street with a lighter band of pavement, then the test's light source.
            frame.SetTo(new Scalar(70, 60, 50));
            Cv2.Rectangle(frame, new Rect(0, Height * 2 / 3, Width, Height / 3), new Scalar(95, 90, 85), -1);
            draw(frame, i, i / Fps, random);

            // Sensor noise, different every frame: 8-bit Gaussian draws keep their positive half, so one is added
            // and another subtracted.
            Cv2.Randn(up, Scalar.All(0), Scalar.All(8));
            Cv2.Randn(down, Scalar.All(0), Scalar.All(8));
            Cv2.Add(frame, up, frame);
            Cv2.Subtract(frame, down, frame);
            writer.Write(frame);
        }
    }

    /// <summary>
    /// A round light with a soft glow: bright warm core and a blurred halo bright enough that the fire-colour threshold
    /// falls inside the gradient, where noise moves the region's edge. <paramref name="gain"/> scales it (supply
    /// ripple, automatic gain).
    /// </summary>
    public static void Lamp(Mat frame, Point centre, int radius, Scalar colour, double gain = 1)
    {
        using var glow = new Mat(frame.Size(), MatType.CV_8UC3, Scalar.All(0));
        Cv2.Circle(glow, centre, radius * 2, new Scalar(colour.Val0 * 0.8 * gain, colour.Val1 * 0.8 * gain, colour.Val2 * 0.8 * gain), -1);
        Cv2.GaussianBlur(glow, glow, new Size(0, 0), radius * 0.6);
        Cv2.Add(frame, glow, frame);
        Cv2.Circle(frame, centre, radius, new Scalar(colour.Val0 * gain, colour.Val1 * gain, colour.Val2 * gain), -1, LineTypes.AntiAlias);
    }

    /// <summary>
    /// Flames at the bottom of <paramref name="baseCentre"/>, about <paramref name="size"/> pixels high: a dozen
    /// overlapping tongues whose sizes and positions jump from frame to frame, orange-red outside, yellow inside.
    /// </summary>
    public static void Flames(Mat frame, Point baseCentre, double size, Random random)
    {
        using var flames = new Mat(frame.Size(), MatType.CV_8UC3, Scalar.All(0));
        for (var k = 0; k < 12; k++)
        {
            var width = size * (0.15 + (0.25 * random.NextDouble()));
            var height = size * (0.3 + (0.7 * random.NextDouble()));
            var x = baseCentre.X + (size * 0.45 * ((2 * random.NextDouble()) - 1));
            var centre = new Point(x, baseCentre.Y - (height / 2));
            var colour = new Scalar(10 + random.Next(30), 70 + random.Next(80), 220 + random.Next(35));
            Cv2.Ellipse(flames, new RotatedRect(new Point2f((float)centre.X, (float)centre.Y), new Size2f((float)width, (float)height), (float)(random.NextDouble() * 30) - 15), colour, -1);
        }

        // Hotter, yellower core.
        var core = new Point(baseCentre.X + random.Next(-3, 4), baseCentre.Y - (size * 0.25));
        Cv2.Ellipse(flames, core, new Size(size * 0.15, size * 0.25), 0, 0, 360, new Scalar(60, 210, 255), -1);
        Cv2.GaussianBlur(flames, flames, new Size(3, 3), 0);
        using var lit = new Mat();
        Cv2.CvtColor(flames, lit, ColorConversionCodes.BGR2GRAY);
        flames.CopyTo(frame, lit);
    }
}
