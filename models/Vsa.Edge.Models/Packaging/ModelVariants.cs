using System.Runtime.InteropServices;
using Google.Protobuf;
using Vsa.Edge.Contracts;
using Vsa.Edge.Models.Manifests;
using Vsa.Edge.Models.Onnx.Proto;

namespace Vsa.Edge.Models.Packaging;

/// <summary>
/// Derived models for rollouts and their tests: the same network with another manifest version and score threshold
/// (a genuine second model: other decisions on the same frames), or with its weights scrambled — every float tensor
/// of more than 64 values permuted, so shapes and value ranges stay and only the answers are wrong (a model that loads
/// and runs but must fail validation on the device).
/// </summary>
public static class ModelVariants
{
    /// <summary>Writes the variant of <paramref name="modelDirectory"/> into <paramref name="outputDirectory"/>; returns its manifest.</summary>
    public static ModelManifest Write(string modelDirectory, string outputDirectory, string version, float? scoreThreshold, bool scrambleWeights, int seed = 12)
    {
        var manifestPath = Path.Combine(modelDirectory, "manifest.json");
        var manifest = ModelManifestLoader.Load(manifestPath);
        Directory.CreateDirectory(outputDirectory);
        var source = ModelManifestLoader.ModelPath(manifestPath, manifest);
        var target = Path.Combine(outputDirectory, manifest.File);
        if (scrambleWeights)
        {
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(source));
            var random = new Random(seed);
            foreach (var tensor in model.Graph.Initializer)
            {
                Scramble(tensor, random);
            }

            File.WriteAllBytes(target, model.ToByteArray());
        }
        else
        {
            File.Copy(source, target, overwrite: true);
        }

        var variant = manifest with
        {
            Version = version,
            Sha256 = ModelManifestLoader.ComputeSha256(target),
            Output = manifest.Output with { ScoreThreshold = scoreThreshold ?? manifest.Output.ScoreThreshold },
        };
        ManifestFile.Write(variant, Path.Combine(outputDirectory, "manifest.json"));
        return variant;
    }

    private static void Scramble(TensorProto tensor, Random random)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            return;
        }

        if (tensor.RawData.Length > 64 * sizeof(float))
        {
            var values = MemoryMarshal.Cast<byte, float>(tensor.RawData.ToByteArray()).ToArray();
            random.Shuffle(values);
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else if (tensor.FloatData.Count > 64)
        {
            var values = tensor.FloatData.ToArray();
            random.Shuffle(values);
            tensor.FloatData.Clear();
            tensor.FloatData.Add(values);
        }
    }
}
