package dev.phalanx.engine.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * How encoded images (PNG, JPEG — the bytes of Spark's {@code binaryFile} source, for example)
 * become a sample {@code [channels, height, width]}: decoded with the JDK's ImageIO, each 8-bit
 * value scaled to [0, 1], then normalised per channel as {@code (x - mean) / std}. One channel
 * means grey (colour images are converted with the usual luma weights); three mean RGB (grey images
 * are repeated). Images must already have the declared size: resizing would silently change what
 * the model sees.
 *
 * @param channels 1 or 3
 * @param height rows of pixels
 * @param width columns of pixels
 * @param mean per-channel mean subtracted after scaling to [0, 1]
 * @param std per-channel standard deviation divided by after that
 */
public record ImageFormat(int channels, int height, int width, double[] mean, double[] std) implements Serializable {

    /** Checks the values, naming what is wrong. */
    public ImageFormat {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images need 1 (grey) or 3 (RGB) channels, got " + channels);
        }
        if (mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException("image_mean and image_std need one value per channel (" + channels
                    + "), got " + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        for (double s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("image_std values must be positive, got " + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /**
     * Returns the format for samples shaped {@code [C, H, W]} with the given normalisation (null
     * arrays: mean 0, std 1), or null when the shape is not an image's.
     */
    public static ImageFormat forShape(long[] sampleShape, double[] mean, double[] std) {
        if (sampleShape.length != 3 || (sampleShape[0] != 1 && sampleShape[0] != 3)) {
            return null;
        }
        int channels = (int) sampleShape[0];
        double[] zeros = new double[channels];
        double[] ones = new double[channels];
        Arrays.fill(ones, 1.0);
        return new ImageFormat(channels, Math.toIntExact(sampleShape[1]), Math.toIntExact(sampleShape[2]),
                mean == null ? zeros : mean, std == null ? ones : std);
    }

    /**
     * Decodes one image into {@code channels * height * width} floats, channel-major.
     *
     * @return null with {@code problem[0]} set when the bytes are not a readable image of this size
     */
    float[] decode(byte[] bytes, String[] problem) {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            image = null;
        }
        if (image == null) {
            problem[0] = "holds " + bytes.length + " bytes that are not a PNG or JPEG image";
            return null;
        }
        if (image.getHeight() != height || image.getWidth() != width) {
            problem[0] = "holds a " + image.getWidth() + "x" + image.getHeight() + " image; expected " + width + "x"
                    + height + " (width x height)";
            return null;
        }
        Raster raster = image.getRaster();
        boolean grey = raster.getNumBands() < 3;
        float[] out = new float[channels * height * width];
        int[] pixel = new int[raster.getNumBands()];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double[] rgb = rgb(image, raster, grey, x, y, pixel);
                for (int c = 0; c < channels; c++) {
                    double value = channels == 1 ? 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] : rgb[c];
                    out[(c * height + y) * width + x] = (float) ((value - mean[c]) / std[c]);
                }
            }
        }
        return out;
    }

    /** One pixel as red, green, blue in [0, 1]; a grey pixel has three equal values. */
    private static double[] rgb(BufferedImage image, Raster raster, boolean grey, int x, int y, int[] pixel) {
        if (grey) {
            double v = raster.getPixel(x, y, pixel)[0] / (double) ((1 << raster.getSampleModel().getSampleSize(0)) - 1);
            return new double[] {v, v, v};
        }
        int argb = image.getRGB(x, y);
        return new double[] {((argb >> 16) & 0xff) / 255.0, ((argb >> 8) & 0xff) / 255.0, (argb & 0xff) / 255.0};
    }
}
