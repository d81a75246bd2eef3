namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>
/// Finds what looks like an image or a video under a folder (issue 14 item 5: <c>run</c> writes nothing image-like): by
/// extension, by the magic bytes a file starts with, and by an image signature anywhere inside it (an image kept as a
/// blob in a database or an outbox).
/// </summary>
internal static class ImageLikeFiles
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic", ".ppm", ".pgm", ".yuv", ".raw",
        ".avi", ".mp4", ".mkv", ".mov", ".webm", ".h264", ".h265", ".ts", ".m4v",
    };

    private static readonly (string Name, byte[] Bytes)[] Headers =
    [
        ("JPEG", [0xFF, 0xD8, 0xFF]),
        ("GIF", "GIF8"u8.ToArray()),
        ("BMP", "BM"u8.ToArray()),
        ("TIFF", [0x49, 0x49, 0x2A, 0x00]),
        ("TIFF", [0x4D, 0x4D, 0x00, 0x2A]),
        ("RIFF (AVI/WebP)", "RIFF"u8.ToArray()),
        ("Matroska/WebM", [0x1A, 0x45, 0xDF, 0xA3]),
    ];

    private static readonly (string Name, byte[] Bytes)[] Inside =
    [
        ("PNG", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        ("JPEG/JFIF", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46]),
        ("JPEG/Exif", [0xFF, 0xD8, 0xFF, 0xE1]),
        ("MP4/QuickTime", "ftyp"u8.ToArray()),
        ("AVI", "AVI LIST"u8.ToArray()),
        ("WebP", "WEBPVP8"u8.ToArray()),
    ];

    /// <summary>Every file under <paramref name="folder"/> that looks image-like, with why.</summary>
    public static IReadOnlyList<string> Under(string folder)
    {
        var found = new List<string>();
        foreach (var path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(path);
            if (Extensions.Contains(Path.GetExtension(path)))
            {
                found.Add($"{path}: extension");
            }

            foreach (var (name, header) in Headers)
            {
                if (bytes.AsSpan().StartsWith(header))
                {
                    found.Add($"{path}: starts like {name}");
                }
            }

            foreach (var (name, signature) in Inside)
            {
                if (bytes.AsSpan().IndexOf(signature) >= 0)
                {
                    found.Add($"{path}: holds a {name} signature");
                }
            }
        }

        return found;
    }
}
