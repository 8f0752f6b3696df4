using System.IO.Compression;

namespace Workbench.Data;

/// <summary>A set of labelled greyscale images: pixels [n, rows, cols] as bytes, labels 0..9.</summary>
public sealed record ImageSet(byte[] Pixels, byte[] Labels, int Count, int Rows, int Cols)
{
    /// <summary>Pixel (r, c) of image i.</summary>
    public byte this[int i, int r, int c] => Pixels[(long)i * Rows * Cols + r * Cols + c];

    /// <summary>The first <paramref name="n"/> images.</summary>
    public ImageSet Take(int n)
    {
        n = Math.Min(n, Count);
        return new ImageSet(Pixels[..(n * Rows * Cols)], Labels[..n], n, Rows, Cols);
    }
}

/// <summary>Reads Fashion-MNIST (Xiao et al. 2017, MIT licence) from IDX files, gzipped or not.</summary>
/// <remarks>Looked for in WORKBENCH_FASHION_MNIST, then /usr/share/datasets/fashion-mnist (Debian/Ubuntu package
/// <c>dataset-fashion-mnist</c>). Nothing is downloaded.</remarks>
public static class FashionMnist
{
    /// <summary>The environment variable that points at a folder holding the four IDX files.</summary>
    public const string FolderVariable = "WORKBENCH_FASHION_MNIST";

    /// <summary>Where the Debian/Ubuntu package installs the files.</summary>
    public const string PackageFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>Class names, by label.</summary>
    public static readonly string[] ClassNames =
        { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };

    /// <summary>The folder in use, or null when the dataset is not installed.</summary>
    public static string? Folder =>
        new[] { Environment.GetEnvironmentVariable(FolderVariable), PackageFolder }
            .FirstOrDefault(d => !string.IsNullOrEmpty(d) && FindFile(d!, "train-images-idx3-ubyte") != null);

    /// <summary>True when the dataset can be read.</summary>
    public static bool Available => Folder != null;

    /// <summary>The 60,000 training images.</summary>
    public static ImageSet Train() => Load("train");

    /// <summary>The 10,000 test images.</summary>
    public static ImageSet Test() => Load("t10k");

    static ImageSet Load(string split)
    {
        var folder = Folder ?? throw new FileNotFoundException(
            $"Fashion-MNIST not found: install the package (sudo apt-get install dataset-fashion-mnist) or set {FolderVariable} to a folder with the IDX files");
        var images = ReadIdx(FindFile(folder, $"{split}-images-idx3-ubyte")!, 0x803, out var dims);
        var labels = ReadIdx(FindFile(folder, $"{split}-labels-idx1-ubyte")
            ?? throw new FileNotFoundException($"{folder}: {split}-labels-idx1-ubyte(.gz) is missing"), 0x801, out var labelDims);
        if (labelDims[0] != dims[0]) throw new InvalidDataException($"{folder}: {dims[0]} {split} images but {labelDims[0]} labels");
        return new ImageSet(images, labels, dims[0], dims[1], dims[2]);
    }

    static string? FindFile(string folder, string stem) =>
        new[] { stem + ".gz", stem }.Select(n => Path.Combine(folder, n)).FirstOrDefault(File.Exists);

    /// <summary>Reads an IDX file of unsigned bytes with the expected magic number; returns the data and dimensions.</summary>
    public static byte[] ReadIdx(string path, int magic, out int[] dims)
    {
        using var file = File.OpenRead(path);
        using Stream s = path.EndsWith(".gz") ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new BinaryReader(s);
        int ReadBigEndian() { var b = reader.ReadBytes(4); return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]; }
        int m = ReadBigEndian();
        if (m != magic) throw new InvalidDataException($"{path}: not an IDX file of the expected kind (magic 0x{m:x}, expected 0x{magic:x})");
        dims = new int[magic & 0xff];
        long total = 1;
        for (int i = 0; i < dims.Length; i++) { dims[i] = ReadBigEndian(); total *= dims[i]; }
        var data = reader.ReadBytes((int)total);
        if (data.Length != total) throw new InvalidDataException($"{path}: truncated ({data.Length} of {total} bytes)");
        return data;
    }
}
